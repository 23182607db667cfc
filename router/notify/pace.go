package notify

import (
	"context"
	"crypto/sha256"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// MaxPaceWait is the longest a delivery waits for its key's next slot.
// A longer wait goes back to the outbox as Paced, so that one busy
// channel or routing key does not hold a worker that could deliver
// elsewhere.
const MaxPaceWait = time.Second

// Pacer keeps one token bucket per key — a Slack channel, a PagerDuty
// routing key — so a notifier stays under the provider's documented rate,
// and holds a key after the provider answered 429. Keys are stored as
// hashes, so a pacer keyed by a secret (a routing key, a webhook URL)
// holds no secret. It is safe for concurrent use.
type Pacer struct {
	limit rate.Limit
	burst int
	now   func() time.Time

	mu      sync.Mutex
	buckets map[[sha256.Size]byte]*bucket
}

// bucket is the pacing state of one key; until is guarded by Pacer.mu.
type bucket struct {
	lim *rate.Limiter
	// until is when the provider's last 429 for the key expires.
	until time.Time
}

// NewPacer paces each key to perSecond events with bursts of burst. A
// perSecond of zero or less turns pacing off (holds still apply). now
// nil means time.Now.
func NewPacer(perSecond float64, burst int, now func() time.Time) *Pacer {
	if now == nil {
		now = time.Now
	}
	limit := rate.Limit(perSecond)
	if perSecond <= 0 {
		limit = rate.Inf
	}
	return &Pacer{limit: limit, burst: max(1, burst), now: now, buckets: map[[sha256.Size]byte]*bucket{}}
}

// Burst is the pacer's burst.
func (p *Pacer) Burst() int { return p.burst }

func (p *Pacer) bucket(key string) *bucket {
	h := sha256.Sum256([]byte(key))
	p.mu.Lock()
	defer p.mu.Unlock()
	b, ok := p.buckets[h]
	if !ok {
		b = &bucket{lim: rate.NewLimiter(p.limit, p.burst)}
		p.buckets[h] = b
	}
	return b
}

// Hold stops sending to key for d, after the provider answered 429:
// everything sent meanwhile would be refused too, and would prolong the
// throttling.
func (p *Pacer) Hold(key string, d time.Duration) {
	b := p.bucket(key)
	until := p.now().Add(d)
	p.mu.Lock()
	defer p.mu.Unlock()
	if until.After(b.until) {
		b.until = until
	}
}

func (p *Pacer) held(b *bucket, now time.Time) time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	return b.until.Sub(now)
}

// Wait takes the next slot of key: at once, after a wait of at most
// MaxPaceWait, or, when the slot is further away or the key is held, not
// at all, returning Paced with the delay (errors.Is(err, ErrPaced)).
func (p *Pacer) Wait(ctx context.Context, key string) error {
	now := p.now()
	b := p.bucket(key)
	if d := p.held(b, now); d > 0 {
		return Paced(d)
	}
	r := b.lim.ReserveN(now, 1)
	if !r.OK() {
		return Paced(MaxPaceWait)
	}
	d := r.DelayFrom(now)
	if d <= 0 {
		return nil
	}
	if d > MaxPaceWait {
		r.CancelAt(now)
		return Paced(d)
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
