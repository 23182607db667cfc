package memory

import (
	"context"
	"testing"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/incident"

	"github.com/alertgate/alertgate/router/dedup"
	"github.com/alertgate/alertgate/router/store"
	"github.com/alertgate/alertgate/router/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T, opts store.Options) store.Store { return New(opts) })
}

func TestConformanceState(t *testing.T) {
	storetest.RunState(t, func(t *testing.T, opts store.Options) store.Store { return New(opts) })
}

func firing(fp string, at time.Time, inhibits ...string) store.Observation {
	a := alert.Alert{Source: alert.SourceAlertmanager, Name: "A", Status: alert.StatusFiring, Severity: alert.SeverityWarning,
		Labels: map[string]string{"fp": fp}, StartsAt: at, Fingerprint: alert.Fingerprint(fp)}
	a.Normalize()
	return store.Observation{Alert: a, RepeatInterval: time.Hour, Inhibits: inhibits}
}

func TestMemory_LeastRecentlySeenAlertsAreEvictedBeyondTheBound(t *testing.T) {
	s := New(store.Options{MaxAlerts: 3})
	t0 := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	for i, fp := range []string{"a", "b", "c", "a", "d", "e"} {
		if _, err := s.Observe(t.Context(), t0.Add(time.Duration(i)*time.Second), []store.Observation{firing(fp, t0)}); err != nil {
			t.Fatal(err)
		}
	}
	st := s.Stats()
	if st.Alerts != 3 || st.Evictions != 2 {
		t.Fatalf("stats = %+v, want 3 alerts after 2 evictions", st)
	}
	// b and c were least recently seen; a was refreshed and stays.
	v, _ := s.Observe(t.Context(), t0.Add(time.Minute), []store.Observation{firing("a", t0), firing("b", t0)})
	if v[0].Action != dedup.Suppress || v[1].Action != dedup.Notify {
		t.Errorf("verdicts = %+v, want a still known and b forgotten", v)
	}
}

func TestMemory_ExpiredStateIsForgotten(t *testing.T) {
	s := New(store.Options{Retention: time.Hour})
	t0 := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	_, _ = s.Observe(t.Context(), t0, []store.Observation{firing("node", t0, "k"), firing("other", t0)})
	_, _ = s.Observe(t.Context(), t0.Add(50*time.Minute), []store.Observation{firing("other", t0)})
	if _, err := s.Settle(t.Context(), t0.Add(time.Hour+2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if st := s.Stats(); st.Alerts != 1 {
		t.Errorf("after an hour: %d alerts tracked, want only the one seen recently", st.Alerts)
	}
	if h, _ := s.Inhibitors(t.Context(), []string{"k"}); len(h["k"]) != 0 {
		t.Errorf("a forgotten alert still inhibits: %v", h)
	}
}

func TestConformanceCorrelation(t *testing.T) {
	storetest.RunCorrelation(t, func(t *testing.T, opts store.Options) store.Store { return New(opts) })
}

func TestMemory_CacheAndThreadsFollowTheCallersClock(t *testing.T) {
	s := New(store.Options{IncidentRetention: 24 * time.Hour})
	t0 := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	if err := s.CacheSet(t.Context(), t0, "k", []byte("v"), time.Hour); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := s.CacheGet(t.Context(), t0.Add(59*time.Minute), "k"); !ok {
		t.Error("cache entry gone before its TTL on the caller's clock")
	}
	if _, ok, _ := s.CacheGet(t.Context(), t0.Add(61*time.Minute), "k"); ok {
		t.Error("cache entry still there after its TTL on the caller's clock")
	}
	if err := s.SetThread(t.Context(), t0, "inc", "slack:team", incident.Thread{Ref: "C1/1", Seq: 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Settle(t.Context(), t0.Add(23*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := s.Thread(t.Context(), "inc", "slack:team"); !ok {
		t.Error("thread forgotten within the incident retention")
	}
	if _, err := s.Settle(t.Context(), t0.Add(25*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := s.Thread(t.Context(), "inc", "slack:team"); ok {
		t.Error("thread kept past the incident retention of the caller's clock")
	}
}

func TestMark_ExpiresByTheCallersClock(t *testing.T) {
	s := New(store.Options{})
	ctx := context.Background()
	now := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	if ok, _ := s.Mark(ctx, now, "k", time.Minute); !ok {
		t.Fatal("first Mark failed")
	}
	if ok, _ := s.Mark(ctx, now.Add(59*time.Second), "k", time.Minute); ok {
		t.Error("Mark within the minute succeeded")
	}
	if ok, _ := s.Mark(ctx, now.Add(time.Minute), "k", time.Minute); !ok {
		t.Error("Mark after the minute failed")
	}
}
