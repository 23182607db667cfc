package llm

import (
	"sync"
	"time"
)

// budget admits at most n events in any sliding window of length window.
// A sliding window, unlike a token bucket or a fixed per-minute counter,
// never lets 2n calls through around a window boundary, so the configured
// number is a true ceiling on spend.
type budget struct {
	window time.Duration
	now    func() time.Time

	mu   sync.Mutex
	ring []time.Time // the last len(ring) admissions, oldest at next
	next int
}

func newBudget(n int, window time.Duration, now func() time.Time) *budget {
	return &budget{window: window, now: now, ring: make([]time.Time, n)}
}

// allow records an event and reports true if fewer than n events were
// admitted in the last window.
func (b *budget) allow() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	oldest := b.ring[b.next]
	if !oldest.IsZero() && now.Sub(oldest) < b.window {
		return false
	}
	b.ring[b.next] = now
	b.next = (b.next + 1) % len(b.ring)
	return true
}
