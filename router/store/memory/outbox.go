package memory

import (
	"container/heap"
	"context"
	"strconv"
	"sync"
	"time"

	"github.com/alertgate/alertgate/router/notify"
)

// outbox mirrors the Redis stream and consumer group in process: ready
// entries in FIFO order, entries waiting for a retry time, and entries
// claimed by a consumer until acknowledged or reclaimed. Its fields are
// guarded by its own lock.
type outbox struct {
	mu       sync.Mutex
	seq      int64
	ready    []*notify.Entry
	delayed  delayHeap
	inflight map[string]*claim
	dead     []notify.DeadLetter
	wake     chan struct{}
}

type claim struct {
	entry    *notify.Entry
	consumer string
	at       time.Time
}

func (o *outbox) init() {
	o.inflight = map[string]*claim{}
	o.wake = make(chan struct{}, 1)
}

func (o *outbox) add(now time.Time, payloads ...[]byte) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, p := range payloads {
		o.seq++
		o.ready = append(o.ready, &notify.Entry{ID: strconv.FormatInt(o.seq, 10), Payload: p, Enqueued: now})
	}
	if len(payloads) > 0 {
		o.signal()
	}
}

func (o *outbox) signal() {
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

// Enqueue appends notifications to the outbox.
func (s *Store) Enqueue(ctx context.Context, now time.Time, payloads ...[]byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.outbox.add(now, payloads...)
	return nil
}

// ClaimOutbox hands up to limit entries to consumer: first entries held
// unacknowledged longer than ReclaimAfter (their consumer presumed dead), then retries that are due, then
// new entries. With nothing to hand out it waits up to wait for an
// Enqueue.
func (s *Store) ClaimOutbox(ctx context.Context, now time.Time, consumer string, limit int, wait time.Duration) ([]notify.Entry, error) {
	if out := s.claim(now, consumer, limit); len(out) > 0 || wait <= 0 {
		return out, ctx.Err()
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-t.C:
		return nil, nil
	case <-s.outbox.wake:
		return s.claim(now, consumer, limit), nil
	}
}

func (s *Store) claim(now time.Time, consumer string, limit int) []notify.Entry {
	s.outbox.mu.Lock()
	defer s.outbox.mu.Unlock()
	o := &s.outbox
	var out []notify.Entry
	take := func(e *notify.Entry) {
		o.inflight[e.ID] = &claim{entry: e, consumer: consumer, at: now}
		out = append(out, *e)
	}
	for _, c := range o.inflight {
		if len(out) < limit && now.Sub(c.at) >= s.opts.ReclaimAfter {
			take(c.entry)
		}
	}
	for len(out) < limit && o.delayed.Len() > 0 && !o.delayed[0].at.After(now) {
		take(heap.Pop(&o.delayed).(delayed).entry)
	}
	for len(out) < limit && len(o.ready) > 0 {
		take(o.ready[0])
		o.ready[0] = nil
		o.ready = o.ready[1:]
	}
	return out
}

// Ack removes a delivered entry.
func (s *Store) Ack(ctx context.Context, id string) error {
	s.outbox.mu.Lock()
	defer s.outbox.mu.Unlock()
	delete(s.outbox.inflight, id)
	return ctx.Err()
}

// Retry puts a claimed entry back, to be handed out again at or after at.
func (s *Store) Retry(ctx context.Context, e notify.Entry, at time.Time, lastErr string) error {
	s.outbox.mu.Lock()
	defer s.outbox.mu.Unlock()
	o := &s.outbox
	delete(o.inflight, e.ID)
	e.Attempts++
	e.LastError = lastErr
	heap.Push(&o.delayed, delayed{entry: &e, at: at})
	return ctx.Err()
}

// DeadLetter removes a claimed entry that failed permanently and records
// it in the bounded dead-letter list.
func (s *Store) DeadLetter(ctx context.Context, now time.Time, e notify.Entry, reason string) error {
	s.outbox.mu.Lock()
	defer s.outbox.mu.Unlock()
	o := &s.outbox
	delete(o.inflight, e.ID)
	e.Attempts++
	o.dead = append(o.dead, notify.DeadLetter{Entry: e, Reason: reason, At: now})
	if n := len(o.dead) - notify.MaxDeadLetters; n > 0 {
		o.dead = append(o.dead[:0:0], o.dead[n:]...)
	}
	return ctx.Err()
}

// DeadLetters returns up to limit dead letters, newest first.
func (s *Store) DeadLetters(ctx context.Context, limit int) ([]notify.DeadLetter, error) {
	s.outbox.mu.Lock()
	defer s.outbox.mu.Unlock()
	out := make([]notify.DeadLetter, 0, min(limit, len(s.outbox.dead)))
	for i := len(s.outbox.dead) - 1; i >= 0 && len(out) < limit; i-- {
		out = append(out, s.outbox.dead[i])
	}
	return out, ctx.Err()
}

// OutboxDepth counts entries not yet delivered: ready, waiting for a
// retry, or claimed.
func (s *Store) OutboxDepth(ctx context.Context) (int64, error) {
	s.outbox.mu.Lock()
	defer s.outbox.mu.Unlock()
	o := &s.outbox
	return int64(len(o.ready) + o.delayed.Len() + len(o.inflight)), ctx.Err()
}

type delayed struct {
	entry *notify.Entry
	at    time.Time
}

// delayHeap orders retries by due time.
type delayHeap []delayed

func (h delayHeap) Len() int           { return len(h) }
func (h delayHeap) Less(i, j int) bool { return h[i].at.Before(h[j].at) }
func (h delayHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *delayHeap) Push(x any)        { *h = append(*h, x.(delayed)) }
func (h *delayHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
