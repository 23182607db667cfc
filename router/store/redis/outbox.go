package redis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/alertgate/alertgate/router/notify"
	goredis "github.com/redis/go-redis/v9"
)

// Enqueue appends notifications to the outbox stream.
func (s *Store) Enqueue(ctx context.Context, now time.Time, payloads ...[]byte) error {
	if len(payloads) == 0 {
		return ctx.Err()
	}
	args := make([]any, 0, 3+len(payloads))
	args = append(args, consumerGroup, ms(now), s.opts.Retention.Milliseconds())
	for _, p := range payloads {
		args = append(args, p)
	}
	// Notifications enqueued outside a group flush (announcements, a
	// fallback receiver's) are few: they go to the first partition.
	if err := s.call(ctx, s.scripts.enqueue, []string{s.parts[0].outbox}, args...).Err(); err != nil {
		return fmt.Errorf("redis enqueue: %w", err)
	}
	return nil
}

// ClaimOutbox hands up to limit entries to consumer: retries that are
// due, entries another consumer has held longer than ReclaimAfter (its
// replica presumed dead), then new entries. With nothing to hand out it
// waits up to wait for an Enqueue (wait 0: it does not wait).
func (s *Store) ClaimOutbox(ctx context.Context, now time.Time, consumer string, limit int, wait time.Duration) ([]notify.Entry, error) {
	if limit <= 0 {
		return nil, ctx.Err()
	}
	if wait > 0 && len(s.parts) == 1 && s.looked.recently(consumer, now) {
		return s.awaitNew(ctx, consumer, limit, wait)
	}
	out, err := s.claimReady(ctx, now, consumer, limit)
	if err == nil && len(out) < limit {
		s.looked.found(consumer, now)
	}
	if isNoGroup(err) {
		// Someone removed the consumer group but not the stream (by hand,
		// say); recreate it rather than fail until the stream expires.
		if err = s.createGroup(ctx); err == nil {
			out, err = s.claimReady(ctx, now, consumer, limit)
		}
	}
	if err != nil || len(out) > 0 || wait <= 0 {
		return out, err
	}
	if len(s.parts) > 1 {
		return s.pollNew(ctx, now, consumer, limit, wait)
	}
	return s.awaitNew(ctx, consumer, limit, wait)
}

// lookEvery bounds how often a consumer that waits for new entries
// looks for retries that came due and entries to reclaim, when its last
// look drained them: the look costs a round trip, and in a storm a
// worker comes back for more after every few deliveries. Retries this
// store makes are looked for at once.
const lookEvery = 100 * time.Millisecond

// looks remembers, per consumer, when a look for retries and reclaims
// last left none behind.
type looks struct {
	mu   sync.Mutex
	last map[string]time.Time
}

// recently reports whether consumer's last look drained retries and
// reclaims less than lookEvery before now.
func (l *looks) recently(consumer string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	at, ok := l.last[consumer]
	return ok && !now.Before(at) && now.Sub(at) < lookEvery
}

// found notes that consumer's look at now left nothing behind.
func (l *looks) found(consumer string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.last == nil {
		l.last = map[string]time.Time{}
	}
	l.last[consumer] = now
}

// forget makes every consumer look next time: a retry was made.
func (l *looks) forget() {
	l.mu.Lock()
	defer l.mu.Unlock()
	clear(l.last)
}

// pollInterval is how often a consumer looks for new entries when the
// outbox is partitioned: XREADGROUP cannot block on streams in several
// slots.
const pollInterval = 100 * time.Millisecond

// pollNew waits up to wait (at most pollInterval) and looks again.
func (s *Store) pollNew(ctx context.Context, now time.Time, consumer string, limit int, wait time.Duration) ([]notify.Entry, error) {
	d := min(wait, pollInterval)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-t.C:
	}
	return s.claimReady(ctx, now.Add(d), consumer, limit)
}

// claimReady runs claim_outbox.lua on every partition's outbox (its
// share of limit each, pipelined): due retries, reclaims and new
// entries, without blocking.
func (s *Store) claimReady(ctx context.Context, now time.Time, consumer string, limit int) ([]notify.Entry, error) {
	var out []notify.Entry
	err := s.claimRounds(limit, func(want []int) ([]int, error) {
		var calls []scriptCall
		var parts []int
		for p, n := range want {
			if n == 0 {
				continue
			}
			k := s.parts[p]
			calls = append(calls, scriptCall{s.scripts.claimOutbox, []string{k.outbox, k.retry}, []any{
				consumerGroup, consumer, ms(now), n, s.opts.ReclaimAfter.Milliseconds(), s.opts.Retention.Milliseconds()}})
			parts = append(parts, p)
		}
		cmds, err := s.runScripts(ctx, calls)
		if err != nil {
			return nil, err
		}
		got := make([]int, len(want))
		for i, cmd := range cmds {
			res, err := cmd.Slice()
			if err != nil {
				return nil, err
			}
			for _, x := range res {
				r := newReply(asList(x))
				id, kv := r.str(0), r.list(1)
				if r.err != nil {
					return nil, r.err
				}
				e, err := decodeEntry(s.entryID(parts[i], id), pairs(kv))
				if err != nil {
					return nil, err
				}
				out = append(out, e)
			}
			got[parts[i]] = len(res)
		}
		return got, nil
	})
	if err != nil {
		return nil, fmt.Errorf("redis claim outbox: %w", err)
	}
	return out, nil
}

// entryID names a stream entry of partition p: its stream ID, prefixed
// with the partition when there are several ("3/1767603600000-0").
func (s *Store) entryID(p int, id string) string {
	if len(s.parts) == 1 {
		return id
	}
	return strconv.Itoa(p) + "/" + id
}

// entryPart returns the keys and stream ID of an entry ID.
func (s *Store) entryPart(id string) (keys, string, error) {
	if len(s.parts) == 1 {
		return s.parts[0], id, nil
	}
	ps, sid, ok := strings.Cut(id, "/")
	p, err := strconv.Atoi(ps)
	if !ok || err != nil || p < 0 || p >= len(s.parts) {
		return keys{}, "", fmt.Errorf("outbox entry %q: not an entry of this store's %d partitions", id, len(s.parts))
	}
	return s.parts[p], sid, nil
}

// awaitNew blocks up to wait for new entries. A script cannot block, so
// this is a plain XREADGROUP.
func (s *Store) awaitNew(ctx context.Context, consumer string, limit int, wait time.Duration) ([]notify.Entry, error) {
	res, err := s.client.XReadGroup(ctx, &goredis.XReadGroupArgs{
		Group:    consumerGroup,
		Consumer: consumer,
		Streams:  []string{s.parts[0].outbox, ">"},
		Count:    int64(limit),
		Block:    max(wait, time.Millisecond),
	}).Result()
	if errors.Is(err, goredis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("redis claim outbox: %w", err)
	}
	var out []notify.Entry
	for _, st := range res {
		for _, m := range st.Messages {
			e, err := decodeEntry(m.ID, m.Values)
			if err != nil {
				return nil, fmt.Errorf("redis claim outbox: %w", err)
			}
			out = append(out, e)
		}
	}
	return out, nil
}

// createGroup creates the outbox stream's consumer group, accepting
// that it already exists.
func (s *Store) createGroup(ctx context.Context) error {
	for _, k := range s.parts {
		err := s.client.XGroupCreateMkStream(ctx, k.outbox, consumerGroup, "0").Err()
		if err != nil && !goredis.HasErrorPrefix(err, "BUSYGROUP") {
			return fmt.Errorf("redis create consumer group: %w", err)
		}
		if err := s.client.PExpire(ctx, k.outbox, s.opts.Retention).Err(); err != nil {
			return fmt.Errorf("redis create consumer group: %w", err)
		}
	}
	return nil
}

func isNoGroup(err error) bool { return err != nil && strings.Contains(err.Error(), "NOGROUP") }

// decodeEntry builds an Entry from a stream entry's fields (see
// enqueue.lua).
func decodeEntry(id string, v map[string]any) (notify.Entry, error) {
	str := func(k string) string { s, _ := v[k].(string); return s }
	attempts, err := strconv.Atoi(str("attempts"))
	if err != nil {
		return notify.Entry{}, fmt.Errorf("entry %s: attempts: %w", id, err)
	}
	enqueued, err := strconv.ParseInt(str("enqueued"), 10, 64)
	if err != nil {
		return notify.Entry{}, fmt.Errorf("entry %s: enqueued: %w", id, err)
	}
	return notify.Entry{
		ID:        id,
		Payload:   []byte(str("payload")),
		Attempts:  attempts,
		Enqueued:  fromMS(enqueued),
		LastError: str("lastError"),
	}, nil
}

func asList(x any) []any { l, _ := x.([]any); return l }

// pairs turns a flat field/value array into a map.
func pairs(kv []any) map[string]any {
	m := make(map[string]any, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		if k, ok := kv[i].(string); ok {
			m[k] = kv[i+1]
		}
	}
	return m
}

// Ack removes a delivered entry.
func (s *Store) Ack(ctx context.Context, id string) error {
	k, sid, err := s.entryPart(id)
	if err != nil {
		return fmt.Errorf("redis ack: %w", err)
	}
	err = s.call(ctx, s.scripts.ack, []string{k.outbox},
		consumerGroup, sid, s.opts.Retention.Milliseconds()).Err()
	if err != nil {
		return fmt.Errorf("redis ack %s: %w", id, err)
	}
	return nil
}

// Retry puts a claimed entry back, to be handed out again at or after
// at, with one more attempt and lastErr recorded. The entry comes back
// under a new ID.
func (s *Store) Retry(ctx context.Context, e notify.Entry, at time.Time, lastErr string) error {
	k, sid, err := s.entryPart(e.ID)
	if err != nil {
		return fmt.Errorf("redis retry: %w", err)
	}
	defer s.looked.forget()
	err = s.call(ctx, s.scripts.retry, []string{k.outbox, k.retry},
		consumerGroup, sid, ms(at), e.Payload, e.Attempts+1, ms(e.Enqueued), lastErr,
		s.opts.Retention.Milliseconds()).Err()
	if err != nil {
		return fmt.Errorf("redis retry %s: %w", e.ID, err)
	}
	return nil
}

// DeadLetter removes a claimed entry that failed permanently and records
// it in the bounded dead-letter list.
func (s *Store) DeadLetter(ctx context.Context, now time.Time, e notify.Entry, reason string) error {
	e.Attempts++
	rec, err := json.Marshal(notify.DeadLetter{Entry: e, Reason: reason, At: now})
	if err != nil {
		return fmt.Errorf("redis dead letter %s: %w", e.ID, err)
	}
	k, sid, err := s.entryPart(e.ID)
	if err != nil {
		return fmt.Errorf("redis dead letter: %w", err)
	}
	err = s.call(ctx, s.scripts.deadLetter, []string{k.outbox, k.dead},
		consumerGroup, sid, rec, notify.MaxDeadLetters, s.opts.Retention.Milliseconds()).Err()
	if err != nil {
		return fmt.Errorf("redis dead letter %s: %w", e.ID, err)
	}
	return nil
}

// DeadLetters returns up to limit dead letters, newest first, from every
// partition's list (pipelined).
func (s *Store) DeadLetters(ctx context.Context, limit int) ([]notify.DeadLetter, error) {
	if limit <= 0 {
		return []notify.DeadLetter{}, ctx.Err()
	}
	cmds := make([]*goredis.StringSliceCmd, len(s.parts))
	_, err := s.client.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for i, k := range s.parts {
			cmds[i] = p.LRange(ctx, k.dead, 0, int64(limit)-1)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("redis dead letters: %w", err)
	}
	out := []notify.DeadLetter{}
	for _, c := range cmds {
		for _, r := range c.Val() {
			var d notify.DeadLetter
			if err := json.Unmarshal([]byte(r), &d); err != nil {
				return nil, fmt.Errorf("redis dead letters: %w", err)
			}
			out = append(out, d)
		}
	}
	if len(s.parts) > 1 {
		slices.SortStableFunc(out, func(a, b notify.DeadLetter) int { return b.At.Compare(a.At) })
	}
	return out[:min(limit, len(out))], nil
}

// OutboxDepth counts entries not yet delivered: in the streams (new or
// claimed) or waiting for a retry. One pipelined round trip.
func (s *Store) OutboxDepth(ctx context.Context) (int64, error) {
	cmds := make([]*goredis.IntCmd, 0, 2*len(s.parts))
	_, err := s.client.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for _, k := range s.parts {
			cmds = append(cmds, p.XLen(ctx, k.outbox), p.ZCard(ctx, k.retry))
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("redis outbox depth: %w", err)
	}
	var n int64
	for _, c := range cmds {
		n += c.Val()
	}
	return n, nil
}
