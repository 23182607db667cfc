package pipeline

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/incident"
	"github.com/alertgate/alertgate/router/store"
	"github.com/alertgate/alertgate/router/store/memory"
)

func TestWakes_KeepDistinctGrainsInOrderUntilServed(t *testing.T) {
	t0 := time.Date(2026, 3, 4, 5, 0, 0, 0, time.UTC)
	w := newWakes()
	w.add(t0.Add(30*time.Second + 3*time.Millisecond))
	w.add(t0.Add(10 * time.Second))
	w.add(t0.Add(30*time.Second + 7*time.Millisecond)) // same grain as the first
	w.add(t0.Add(20 * time.Second))
	if got, ok := w.next(); !ok || !got.Equal(t0.Add(10*time.Second)) {
		t.Fatalf("next = %v, %v, want t0+10s", got, ok)
	}
	w.served(t0.Add(20 * time.Second))
	got, ok := w.next()
	if want := t0.Add(30*time.Second + wakeGrain); !ok || !got.Equal(want) {
		t.Fatalf("next after serving t0+20s = %v, %v, want %v (rounded up to the grain)", got, ok, want)
	}
	w.served(got)
	if got, ok := w.next(); ok {
		t.Errorf("next after serving everything = %v, want none (the two wakes of one grain are one)", got)
	}
}

func TestWakes_ABoundedScheduleKeepsTheEarliest(t *testing.T) {
	t0 := time.Date(2026, 3, 4, 5, 0, 0, 0, time.UTC)
	w := newWakes()
	for i := range maxWakes + 10 {
		w.add(t0.Add(time.Duration(maxWakes+10-i) * time.Second))
	}
	if len(w.at) != maxWakes {
		t.Fatalf("%d wakes kept, want %d", len(w.at), maxWakes)
	}
	if got, _ := w.next(); !got.Equal(t0.Add(time.Second)) {
		t.Errorf("next = %v, want the earliest, t0+1s", got)
	}
}

// claimCounter is the memory store, counting the looks for due groups.
type claimCounter struct {
	*memory.Store
	claims atomic.Int64
}

func (c *claimCounter) ClaimGroups(ctx context.Context, now time.Time, limit int) ([]incident.Flush, error) {
	c.claims.Add(1)
	return c.Store.ClaimGroups(ctx, now, limit)
}

// TestFlusher_LooksWhenAGroupIsDueNotAtEveryAlert: the running flusher
// flushes a group when its group_wait ends, not at its next tick, and a
// storm of alerts joining groups already scheduled makes it look for due
// groups no more often than its tick.
func TestFlusher_LooksWhenAGroupIsDueNotAtEveryAlert(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := &claimCounter{Store: memory.New(store.Options{})}
		h := newHarness(t, testSources+`
receivers:
  - name: team
    slack: {channel: "#team"}
route:
  receiver: team
  group_by: [alertname]
  group_wait: 30s
  group_interval: 5m
`, st)
		h.e.opts.Now = time.Now // the bubble's clock, which the loops' timers follow
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() { h.e.Run(ctx, ctx, nil); close(done) }()
		defer func() { cancel(); <-done }()

		time.Sleep(500 * time.Millisecond) // between two ticks
		synctest.Wait()
		base := st.claims.Load()
		for i := range 200 {
			a := h.alert(alert.StatusFiring, map[string]string{"alertname": "DiskFull", "instance": fmt.Sprintf("i%03d", i)})
			h.ingest(a)
			synctest.Wait()
		}
		if n := st.claims.Load() - base; n > 0 {
			t.Errorf("200 alerts of one scheduled group made the flusher look for due groups %d times before a tick; want 0", n)
		}
		time.Sleep(30*time.Second - time.Millisecond)
		synctest.Wait()
		if n := len(h.notifications()); n != 0 {
			t.Fatalf("%d notifications before group_wait ended", n)
		}
		time.Sleep(wakeGrain)
		synctest.Wait()
		if n := len(h.notifications()); n != 1 {
			t.Fatalf("%d notifications within a wake grain of group_wait, want 1 (not at the next tick, half a second later)", n)
		}
	})
}
