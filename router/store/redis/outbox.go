package redis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
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
	if err := s.scripts.enqueue.Run(ctx, s.client, []string{s.keys.outbox}, args...).Err(); err != nil {
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
	out, err := s.claimReady(ctx, now, consumer, limit)
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
	return s.awaitNew(ctx, consumer, limit, wait)
}

// claimReady runs claim_outbox.lua: due retries, reclaims and new
// entries, without blocking.
func (s *Store) claimReady(ctx context.Context, now time.Time, consumer string, limit int) ([]notify.Entry, error) {
	res, err := s.scripts.claimOutbox.Run(ctx, s.client, []string{s.keys.outbox, s.keys.retry},
		consumerGroup, consumer, ms(now), limit, s.opts.ReclaimAfter.Milliseconds(),
		s.opts.Retention.Milliseconds()).Slice()
	if err != nil {
		return nil, fmt.Errorf("redis claim outbox: %w", err)
	}
	out := make([]notify.Entry, 0, len(res))
	for _, x := range res {
		r := newReply(asList(x))
		id, kv := r.str(0), r.list(1)
		if r.err != nil {
			return nil, fmt.Errorf("redis claim outbox: %w", r.err)
		}
		e, err := decodeEntry(id, pairs(kv))
		if err != nil {
			return nil, fmt.Errorf("redis claim outbox: %w", err)
		}
		out = append(out, e)
	}
	return out, nil
}

// awaitNew blocks up to wait for new entries. A script cannot block, so
// this is a plain XREADGROUP.
func (s *Store) awaitNew(ctx context.Context, consumer string, limit int, wait time.Duration) ([]notify.Entry, error) {
	res, err := s.client.XReadGroup(ctx, &goredis.XReadGroupArgs{
		Group:    consumerGroup,
		Consumer: consumer,
		Streams:  []string{s.keys.outbox, ">"},
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
	err := s.client.XGroupCreateMkStream(ctx, s.keys.outbox, consumerGroup, "0").Err()
	if err != nil && !goredis.HasErrorPrefix(err, "BUSYGROUP") {
		return fmt.Errorf("redis create consumer group: %w", err)
	}
	if err := s.client.PExpire(ctx, s.keys.outbox, s.opts.Retention).Err(); err != nil {
		return fmt.Errorf("redis create consumer group: %w", err)
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
	err := s.scripts.ack.Run(ctx, s.client, []string{s.keys.outbox},
		consumerGroup, id, s.opts.Retention.Milliseconds()).Err()
	if err != nil {
		return fmt.Errorf("redis ack %s: %w", id, err)
	}
	return nil
}

// Retry puts a claimed entry back, to be handed out again at or after
// at, with one more attempt and lastErr recorded. The entry comes back
// under a new ID.
func (s *Store) Retry(ctx context.Context, e notify.Entry, at time.Time, lastErr string) error {
	err := s.scripts.retry.Run(ctx, s.client, []string{s.keys.outbox, s.keys.retry},
		consumerGroup, e.ID, ms(at), e.Payload, e.Attempts+1, ms(e.Enqueued), lastErr,
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
	err = s.scripts.deadLetter.Run(ctx, s.client, []string{s.keys.outbox, s.keys.dead},
		consumerGroup, e.ID, rec, notify.MaxDeadLetters, s.opts.Retention.Milliseconds()).Err()
	if err != nil {
		return fmt.Errorf("redis dead letter %s: %w", e.ID, err)
	}
	return nil
}

// DeadLetters returns up to limit dead letters, newest first.
func (s *Store) DeadLetters(ctx context.Context, limit int) ([]notify.DeadLetter, error) {
	if limit <= 0 {
		return []notify.DeadLetter{}, ctx.Err()
	}
	recs, err := s.client.LRange(ctx, s.keys.dead, 0, int64(limit)-1).Result()
	if err != nil {
		return nil, fmt.Errorf("redis dead letters: %w", err)
	}
	out := make([]notify.DeadLetter, 0, len(recs))
	for _, r := range recs {
		var d notify.DeadLetter
		if err := json.Unmarshal([]byte(r), &d); err != nil {
			return nil, fmt.Errorf("redis dead letters: %w", err)
		}
		out = append(out, d)
	}
	return out, nil
}

// OutboxDepth counts entries not yet delivered: in the stream (new or
// claimed) or waiting for a retry. One pipelined round trip.
func (s *Store) OutboxDepth(ctx context.Context) (int64, error) {
	var stream *goredis.IntCmd
	var retry *goredis.IntCmd
	_, err := s.client.Pipelined(ctx, func(p goredis.Pipeliner) error {
		stream = p.XLen(ctx, s.keys.outbox)
		retry = p.ZCard(ctx, s.keys.retry)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("redis outbox depth: %w", err)
	}
	return stream.Val() + retry.Val(), nil
}
