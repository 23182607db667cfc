package llm

import (
	"testing"
	"time"
)

func TestBudget_SlidingWindowNeverAdmitsMoreThanNPerMinute(t *testing.T) {
	now := time.Date(2026, 3, 4, 5, 0, 59, 0, time.UTC)
	b := newBudget(3, time.Minute, func() time.Time { return now })
	steps := []struct {
		advance time.Duration
		want    bool
	}{
		{0, true}, {0, true}, {0, true}, // 05:00:59 three admitted
		{0, false},               // a fourth in the same second
		{2 * time.Second, false}, // 05:01:01: a fixed per-minute window would reset here
		{58 * time.Second, true}, // 05:01:59: a minute after the first
		{0, true}, {0, true},
		{0, false},
	}
	for i, s := range steps {
		now = now.Add(s.advance)
		if got := b.allow(); got != s.want {
			t.Fatalf("step %d at %s: allow = %v, want %v", i, now.Format(time.TimeOnly), got, s.want)
		}
	}
}
