package slack

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/alertgate/alertgate/router/notify"
)

// maxPaceWait is the longest a notification waits for its channel's next
// slot. A longer wait is handed back to the outbox as notify.RetryAfter,
// so a storm on one channel does not hold a worker that other channels
// need.
const maxPaceWait = time.Second

// pacer spaces the messages to each channel: Slack allows about one
// message per second per channel and rate-limits bursts.
type pacer struct {
	interval time.Duration

	mu       sync.Mutex
	limiters map[string]*rate.Limiter
}

func newPacer(interval time.Duration) *pacer {
	return &pacer{interval: interval, limiters: map[string]*rate.Limiter{}}
}

// errPaced is wrapped by the error wait returns when the channel's next
// slot is too far away.
var errPaced = errors.New("channel busy")

// wait takes the next slot for channel, sleeping until it if it is at
// most maxPaceWait away. Otherwise it takes nothing and returns a
// notify.RetryAfter error with the time to the slot.
func (p *pacer) wait(ctx context.Context, channel string) error {
	if p.interval <= 0 {
		return nil
	}
	r := p.limiter(channel).Reserve()
	d := r.Delay()
	if d > maxPaceWait {
		r.Cancel()
		return notify.RetryAfter(fmt.Errorf("slack %s: %w: next message slot in %s", channel, errPaced, d.Round(time.Millisecond)), d)
	}
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		r.Cancel()
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func (p *pacer) limiter(channel string) *rate.Limiter {
	p.mu.Lock()
	defer p.mu.Unlock()
	l := p.limiters[channel]
	if l == nil {
		l = rate.NewLimiter(rate.Every(p.interval), 1)
		p.limiters[channel] = l
	}
	return l
}
