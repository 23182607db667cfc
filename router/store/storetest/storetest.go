// Package storetest is the conformance suite every state store must pass.
// The memory and Redis stores run the same tests, so the Redis store's
// Lua scripts and the Go reference implementation cannot drift apart.
package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/incident"
	"github.com/alertgate/alertgate/router/dedup"
	"github.com/alertgate/alertgate/router/store"
)

// Factory returns a new, empty store with opts. The suite calls it once
// per test.
type Factory func(t *testing.T, opts store.Options) store.Store

// Run runs the whole suite.
func Run(t *testing.T, newStore Factory) {
	t.Run("Dedup", func(t *testing.T) { runDedup(t, newStore) })
	t.Run("Flapping", func(t *testing.T) { runFlapping(t, newStore) })
	t.Run("SlowFlapping", func(t *testing.T) { runSlowFlapping(t, newStore) })
	t.Run("Groups", func(t *testing.T) { runGroups(t, newStore) })
	t.Run("Outbox", func(t *testing.T) { runOutbox(t, newStore) })
	t.Run("Marks", func(t *testing.T) { runMarks(t, newStore) })
	t.Run("Board", func(t *testing.T) { runBoard(t, newStore) })
}

// RunBoard runs the part of the suite the console's Now board relies
// on: incident listings and group summaries.
func RunBoard(t *testing.T, newStore Factory) {
	t.Run("Incidents", func(t *testing.T) { runIncidents(t, newStore) })
	t.Run("Board", func(t *testing.T) { runBoard(t, newStore) })
}

// t0 is a Monday morning; tests move time forward from it explicitly.
var t0 = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)

const repeat = 4 * time.Hour

// testOptions are short enough to exercise every timer with a fake clock.
var testOptions = store.Options{
	Flap:         dedup.FlapPolicy{Transitions: 4, Window: 30 * time.Minute, Quiet: 10 * time.Minute},
	Retention:    24 * time.Hour,
	LeaseTTL:     30 * time.Second,
	ReclaimAfter: 20 * time.Millisecond,
}

// newAlert returns a valid alert with fingerprint fp.
func newAlert(fp string, status alert.Status, startsAt time.Time) alert.Alert {
	a := alert.Alert{
		Source:      alert.SourceAlertmanager,
		Name:        "HighErrorRate",
		Status:      status,
		Severity:    alert.SeverityCritical,
		Labels:      map[string]string{"alertname": "HighErrorRate", "service": "api", "fp": fp},
		Annotations: map[string]string{"summary": "5xx above 5%"},
		StartsAt:    startsAt,
		Fingerprint: alert.Fingerprint(fp),
	}
	a.Normalize()
	if status == alert.StatusResolved {
		a.EndsAt = startsAt.Add(time.Minute)
	}
	return a
}

func obs(a alert.Alert, groups ...incident.GroupRef) store.Observation {
	return store.Observation{Alert: a, RepeatInterval: repeat, Groups: groups}
}

func observe(t *testing.T, s store.Store, now time.Time, o ...store.Observation) []dedup.Verdict {
	t.Helper()
	v, err := s.Observe(context.Background(), now, o)
	if err != nil {
		t.Fatalf("Observe: %v", err)
	}
	if len(v) != len(o) {
		t.Fatalf("Observe returned %d verdicts for %d observations", len(v), len(o))
	}
	return v
}

func want(t *testing.T, got dedup.Verdict, action dedup.Action, reason incident.Reason) {
	t.Helper()
	if got.Action != action || got.Reason != reason {
		t.Errorf("verdict = %s/%s, want %s/%s", got.Action, got.Reason, action, reason)
	}
}
