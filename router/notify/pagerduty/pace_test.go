package pagerduty

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/alertgate/alertgate/router/notify"
	"github.com/alertgate/alertgate/router/notify/pagerduty/pdtest"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func TestNotify_PacingDefersTheSecondEventOfAKeyBeyondOneSecond(t *testing.T) {
	clk := &clock{t: t0}
	f := newFixture(t, func(c *Config) { c.PerKeyRate = 0.5; c.Now = clk.Now })
	send := func(receiver string) error {
		nt := notification(notify.KindTrigger, firing("A", nil))
		nt.Target.Receiver = receiver
		return f.n.Notify(t.Context(), nt)
	}
	if err := send("oncall"); err != nil {
		t.Fatal(err)
	}
	err := send("oncall")
	if v := verdictOf(err); v.permanent || v.retryAfter != 2*time.Second || !errors.Is(err, notify.ErrPaced) {
		t.Errorf("second event: %v (%+v), want RetryAfter 2s for notify.ErrPaced", err, v)
	}
	if err := send("team"); err != nil {
		t.Errorf("another routing key is paced by the first: %v", err)
	}
	clk.Advance(2 * time.Second)
	if err := send("oncall"); err != nil {
		t.Errorf("after the interval: %v", err)
	}
	if got := f.pd.Requests(); got != 3 {
		t.Errorf("%d requests reached PagerDuty, want 3 (the paced one never left)", got)
	}
}

// inBubble runs test in a synctest bubble on a fixture whose notifier,
// built in the bubble, paces by the bubble's fake clock: a wait for a
// slot takes no real time and ends exactly when its slot comes.
func inBubble(t *testing.T, change func(*Config), test func(t *testing.T, f *fixture)) {
	pd := pdtest.New(t)
	synctest.Test(t, func(t *testing.T) { test(t, newFixtureOn(t, pd, change)) })
}

func TestNotify_PacingWaitsForASlotWithinOneSecond(t *testing.T) {
	inBubble(t, func(c *Config) { c.PerKeyRate = 1 }, func(t *testing.T, f *fixture) {
		nt := notification(notify.KindTrigger, firing("A", nil))
		if err := f.n.Notify(t.Context(), nt); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		if err := f.n.Notify(t.Context(), nt); err != nil {
			t.Fatalf("second event: %v, want it sent once its slot comes", err)
		}
		if waited := time.Since(start); waited != time.Second {
			t.Errorf("second event sent after %s, want exactly 1s at one event a second", waited)
		}
		if got := f.pd.Requests(); got != 2 {
			t.Errorf("%d requests reached PagerDuty, want 2", got)
		}
	})
}

func TestNotify_PacingWaitEndsWithTheContext(t *testing.T) {
	inBubble(t, func(c *Config) { c.PerKeyRate = 1 }, func(t *testing.T, f *fixture) {
		nt := notification(notify.KindTrigger, firing("A", nil))
		if err := f.n.Notify(t.Context(), nt); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
		defer cancel()
		start := time.Now()
		err := f.n.Notify(ctx, nt)
		if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) != 20*time.Millisecond {
			t.Errorf("got %v after %s, want DeadlineExceeded when the context ends, 20ms in", err, time.Since(start))
		}
		if got := f.pd.Requests(); got != 1 {
			t.Errorf("%d requests reached PagerDuty, want 1 (the event whose wait ended never left)", got)
		}
	})
}

func TestNotify_RateLimitHoldsTheKeyForRetryAfter(t *testing.T) {
	clk := &clock{t: t0}
	f := newFixture(t, func(c *Config) { c.Now = clk.Now })
	send := func(receiver string) error {
		nt := notification(notify.KindTrigger, firing("A", nil))
		nt.Target.Receiver = receiver
		return f.n.Notify(t.Context(), nt)
	}
	f.pd.FailNext(1, 429, "5")
	if v := verdictOf(send("oncall")); v.retryAfter != 5*time.Second {
		t.Fatalf("429: %+v, want RetryAfter 5s", v)
	}
	clk.Advance(2 * time.Second)
	err := send("oncall")
	if v := verdictOf(err); v.retryAfter != 3*time.Second || !errors.Is(err, notify.ErrPaced) {
		t.Errorf("while held: %v (%+v), want RetryAfter 3s without sending", err, v)
	}
	if err := send("team"); err != nil {
		t.Errorf("another key is held too: %v", err)
	}
	clk.Advance(3 * time.Second)
	if err := send("oncall"); err != nil {
		t.Errorf("after the hold: %v", err)
	}
	if got := f.pd.Requests(); got != 3 {
		t.Errorf("%d requests, want 3 (none while held)", got)
	}
}

func TestPacer_BurstIsSmall(t *testing.T) {
	tests := []struct {
		rate float64
		want int
	}{{0.5, 1}, {1, 1}, {2, 1}, {4, 2}, {100, 10}}
	for _, tt := range tests {
		if got := newPacer(tt.rate, time.Now).Burst(); got != tt.want {
			t.Errorf("burst at %g/s = %d, want %d", tt.rate, got, tt.want)
		}
	}
}
