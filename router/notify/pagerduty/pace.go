package pagerduty

import (
	"context"
	"crypto/sha256"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/alertgate/alertgate/router/notify"
)

// maxPaceWait is the longest a delivery waits for its routing key's next
// slot. Longer waits go back to the outbox as a RetryAfter, so that one
// busy integration does not hold a worker that could deliver elsewhere.
const maxPaceWait = time.Second

// pacer keeps one token bucket per routing key: PagerDuty's limit (about
// 120 events a minute) applies per integration key, whichever receivers
// share it. Buckets are keyed by a hash so the map holds no secret.
type pacer struct {
	limit rate.Limit
	burst int
	now   func() time.Time

	mu      sync.Mutex
	buckets map[[sha256.Size]byte]*bucket
}

// bucket is the pacing state of one routing key.
type bucket struct {
	lim *rate.Limiter
	// until is when PagerDuty's last 429 for the key expires; guarded by
	// pacer.mu.
	until time.Time
}

// newPacer paces to perSecond with a small burst: a handful of incidents
// opening together go out at once, while a storm stays under the limit
// PagerDuty measures over a sliding minute.
func newPacer(perSecond float64, now func() time.Time) *pacer {
	return &pacer{
		limit:   rate.Limit(perSecond),
		burst:   max(1, min(10, int(perSecond/2))),
		now:     now,
		buckets: make(map[[sha256.Size]byte]*bucket),
	}
}

func (p *pacer) bucket(routingKey string) *bucket {
	h := sha256.Sum256([]byte(routingKey))
	p.mu.Lock()
	defer p.mu.Unlock()
	b, ok := p.buckets[h]
	if !ok {
		b = &bucket{lim: rate.NewLimiter(p.limit, p.burst)}
		p.buckets[h] = b
	}
	return b
}

// hold stops events to routingKey for d after PagerDuty answered 429:
// every event sent meanwhile would be refused too, and would prolong the
// throttling.
func (p *pacer) hold(routingKey string, d time.Duration) {
	b := p.bucket(routingKey)
	until := p.now().Add(d)
	p.mu.Lock()
	defer p.mu.Unlock()
	if until.After(b.until) {
		b.until = until
	}
}

// held returns how long routingKey is still held.
func (p *pacer) held(b *bucket, now time.Time) time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	return b.until.Sub(now)
}

// wait takes the next slot of routingKey: at once, after a short wait,
// or, when the slot is more than maxPaceWait away or the key is held,
// not at all, returning a RetryAfter for that delay.
func (p *pacer) wait(ctx context.Context, routingKey string) error {
	now := p.now()
	b := p.bucket(routingKey)
	if d := p.held(b, now); d > 0 {
		return notify.Paced(d)
	}
	r := b.lim.ReserveN(now, 1)
	if !r.OK() {
		return notify.Paced(maxPaceWait)
	}
	d := r.DelayFrom(now)
	if d <= 0 {
		return nil
	}
	if d > maxPaceWait {
		r.CancelAt(now)
		return notify.Paced(d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		r.CancelAt(p.now())
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
