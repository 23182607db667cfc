package pipeline

import (
	"testing"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/router/store/redis/redistest"
)

// TestJournal_KeepsNewsNotDuplicates checks what the journal holds after
// an HA pair sent a firing alert and then its resolve twice each: the
// firing and the resolve, to ingest again if the store loses its state,
// and neither twin, which tells the store nothing and would only cost
// memory during a storm of re-sends.
func TestJournal_KeepsNewsNotDuplicates(t *testing.T) {
	srv := redistest.Start(t)
	h := newHarness(t, testConfig, redisStore(t, srv, "journal:"))
	start := h.now()
	labels := map[string]string{"alertname": "DiskFull", "instance": "db-1"}
	for _, status := range []alert.Status{alert.StatusFiring, alert.StatusResolved} {
		a := h.alert(status, labels)
		a.StartsAt = start
		a.SetRaw([]byte(`{"raw":"payload"}`))
		for range 2 {
			h.ingest(a)
			h.step()
		}
		h.advance(time.Minute)
	}
	var got []string
	for _, b := range h.e.journal.recent(start) {
		for _, a := range b.alerts {
			got = append(got, string(a.Status))
			if a.Raw != nil {
				t.Errorf("journaled %s alert keeps its raw payload (%d bytes)", a.Status, len(a.Raw))
			}
		}
	}
	if len(got) != 2 || got[0] != "firing" || got[1] != "resolved" {
		t.Errorf("journal holds %v, want [firing resolved]", got)
	}
}

// The memory store loses its state only with the process, and the
// journal with it: nothing is journaled for it.
func TestJournal_NothingKeptForAStoreThatLivesWithTheProcess(t *testing.T) {
	h := newHarness(t, testConfig, nil)
	start := h.now()
	h.ingest(h.alert(alert.StatusFiring, map[string]string{"alertname": "DiskFull", "instance": "db-1"}))
	h.step()
	if n := len(h.notifications()); n != 1 {
		t.Fatalf("%d notifications, want the alert delivered", n)
	}
	if b := h.e.journal.recent(start); len(b) != 0 {
		t.Errorf("journal holds %d batches for the memory store, want none", len(b))
	}
}

func TestStateLoss_RecentAlertsAreIngestedAgainWhenRedisForgetsEverything(t *testing.T) {
	srv := redistest.Start(t)
	h := newHarness(t, testConfig, redisStore(t, srv, "lost:"))
	var w epochWatch
	h.e.checkEpoch(t.Context(), &w)
	h.ingest(h.alert(alert.StatusFiring, map[string]string{"alertname": "AcceptedNotYetDelivered"}))
	// Redis restarts without persistence before the group is flushed:
	// the group and the outbox are gone.
	srv.Stop()
	srv.Restart()
	h.step()
	if n := len(h.notifications()); n != 0 {
		t.Fatalf("%d notifications before the loss was noticed", n)
	}
	h.e.checkEpoch(t.Context(), &w)
	h.step()
	if n := len(h.notifications()); n != 1 {
		t.Errorf("after noticing the loss: %d notifications, want the accepted alert delivered", n)
	}
	if got := h.counter("alertgate_store_state_lost_total"); got != 1 {
		t.Errorf("state lost counter = %v, want 1", got)
	}
	h.e.checkEpoch(t.Context(), &w)
	h.step()
	if n := len(h.notifications()); n != 1 {
		t.Errorf("a second check re-ingested again: %d notifications", n)
	}
}

// An alert delivered while Redis was down is not in the journal (it never
// reached the store to be lost with it), but it is told to the store once
// the store answers, so that its resolve resolves its page (reconcile.go):
// that notifies it once more, and only once, however the store came back.
func TestStateLoss_AlertsDeliveredWhileRedisWasDownAreToldToTheStoreOnce(t *testing.T) {
	srv := redistest.Start(t)
	h := newHarness(t, testConfig, redisStore(t, srv, "lost:"))
	var w epochWatch
	h.e.checkEpoch(t.Context(), &w)
	srv.Stop()
	if res := h.ingest(h.alert(alert.StatusFiring, map[string]string{"alertname": "AcceptedWhileDown"})); res.Degraded != 1 {
		t.Fatalf("result %+v, want the alert delivered degraded", res)
	}
	h.step()
	if n := len(h.notifications()); n != 1 {
		t.Fatalf("%d notifications while Redis was down, want 1 (fail-open)", n)
	}
	srv.Restart()
	h.e.checkEpoch(t.Context(), &w)
	h.step()
	if n := len(h.notifications()); n != 2 {
		t.Errorf("after Redis came back empty: %d notifications, want 2: the fail-open delivery and, once, the store's", n)
	}
	if got := h.counter("alertgate_store_state_lost_total"); got != 1 {
		t.Errorf("state lost counter = %v, want 1", got)
	}
}
