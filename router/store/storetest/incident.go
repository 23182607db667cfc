package storetest

import (
	"testing"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/router/store"
)

func runIncidents(t *testing.T, newStore StateFactory) {
	id := store.IncidentID("g1", t0)
	t.Run("MergeKeepsTheEarliestFactsAndTheFirstAck", func(t *testing.T) {
		s := newStore(t, testOptions)
		record := func(u store.Incident, ev ...store.Event) {
			t.Helper()
			if err := s.RecordIncident(t.Context(), u, ev...); err != nil {
				t.Fatal(err)
			}
		}
		record(store.Incident{ID: id, Group: "g1", Title: "5xx", Receiver: "team", Severity: alert.SeverityWarning, Service: "api",
			Labels: map[string]string{"service": "api"}, StartsAt: t0.Add(-2 * time.Minute), Opened: t0, Status: store.IncidentOpen},
			store.Event{At: t0.Add(-2 * time.Minute), Type: store.EventOccurred, Fingerprint: "a", Alert: "HighErrorRate"},
			store.Event{At: t0, Type: store.EventDetected, Fingerprint: "a", Alert: "HighErrorRate"})
		record(store.Incident{ID: id, Severity: alert.SeverityCritical, Notified: t0.Add(time.Second), StartsAt: t0.Add(-time.Minute)},
			store.Event{At: t0.Add(time.Second), Type: store.EventNotified, Target: "pagerduty:oncall", Actor: "alice"})
		record(store.Incident{ID: id, AckedBy: "alice", AckedAt: t0.Add(4 * time.Minute)},
			store.Event{At: t0.Add(4 * time.Minute), Type: store.EventAcknowledged, Actor: "alice"})
		record(store.Incident{ID: id, AckedBy: "bob", AckedAt: t0.Add(5 * time.Minute), Severity: alert.SeverityInfo})
		record(store.Incident{ID: id, Status: store.IncidentResolved, ResolvedAt: t0.Add(30 * time.Minute)},
			store.Event{At: t0.Add(30 * time.Minute), Type: store.EventResolved})

		inc, ev, ok, err := s.Incident(t.Context(), id)
		if err != nil || !ok {
			t.Fatalf("Incident = %v, %v", ok, err)
		}
		want := store.Incident{ID: id, Group: "g1", Title: "5xx", Receiver: "team", Severity: alert.SeverityCritical, Service: "api",
			StartsAt: t0.Add(-2 * time.Minute), Opened: t0, Notified: t0.Add(time.Second), AckedBy: "alice", AckedAt: t0.Add(4 * time.Minute),
			ResolvedAt: t0.Add(30 * time.Minute), Status: store.IncidentResolved}
		inc.Labels = nil
		if !equalIncident(inc, want) {
			t.Errorf("incident = %+v\nwant       %+v", inc, want)
		}
		var types []store.EventType
		for _, e := range ev {
			types = append(types, e.Type)
		}
		wantTypes := []store.EventType{store.EventOccurred, store.EventDetected, store.EventNotified, store.EventAcknowledged, store.EventResolved}
		if len(types) != len(wantTypes) {
			t.Fatalf("timeline = %v, want %v", types, wantTypes)
		}
		for i := range types {
			if types[i] != wantTypes[i] {
				t.Errorf("timeline = %v, want %v", types, wantTypes)
				break
			}
		}
		if ev[2].Target != "pagerduty:oncall" || ev[2].Actor != "alice" || !ev[2].At.Equal(t0.Add(time.Second)) {
			t.Errorf("notified event = %+v", ev[2])
		}
	})
	t.Run("ReopeningClearsTheResolution", func(t *testing.T) {
		s := newStore(t, testOptions)
		_ = s.RecordIncident(t.Context(), store.Incident{ID: id, Opened: t0, Status: store.IncidentResolved, ResolvedAt: t0.Add(time.Minute)})
		_ = s.RecordIncident(t.Context(), store.Incident{ID: id, Status: store.IncidentOpen})
		inc, _, _, _ := s.Incident(t.Context(), id)
		if inc.Status != store.IncidentOpen || !inc.ResolvedAt.IsZero() {
			t.Errorf("reopened incident = %+v", inc)
		}
	})
	t.Run("ListingIsNewestFirstSinceAndLimited", func(t *testing.T) {
		s := newStore(t, testOptions)
		for i := range 5 {
			opened := t0.Add(time.Duration(i) * time.Hour)
			_ = s.RecordIncident(t.Context(), store.Incident{ID: store.IncidentID("g", opened), Group: "g", Opened: opened, Status: store.IncidentOpen})
		}
		got, err := s.Incidents(t.Context(), t0.Add(5*time.Hour), t0.Add(time.Hour), 3)
		if err != nil || len(got) != 3 {
			t.Fatalf("Incidents = %v, %v", got, err)
		}
		for i, want := range []time.Time{t0.Add(4 * time.Hour), t0.Add(3 * time.Hour), t0.Add(2 * time.Hour)} {
			if !got[i].Opened.Equal(want) {
				t.Errorf("incident %d opened %v, want %v", i, got[i].Opened, want)
			}
		}
		if _, _, ok, _ := s.Incident(t.Context(), "nope"); ok {
			t.Error("an unknown incident was found")
		}
	})
	t.Run("TimelineIsBounded", func(t *testing.T) {
		s := newStore(t, testOptions)
		ev := make([]store.Event, store.MaxTimelineEvents+10)
		for i := range ev {
			ev[i] = store.Event{At: t0.Add(time.Duration(i) * time.Second), Type: store.EventNotified}
		}
		_ = s.RecordIncident(t.Context(), store.Incident{ID: id, Opened: t0}, ev...)
		_, got, _, _ := s.Incident(t.Context(), id)
		if len(got) != store.MaxTimelineEvents || !got[0].At.Equal(t0.Add(10*time.Second)) {
			t.Errorf("timeline has %d events starting %v, want the newest %d", len(got), got[0].At, store.MaxTimelineEvents)
		}
	})
	t.Run("DailyCountersAdd", func(t *testing.T) {
		s := newStore(t, testOptions)
		d1, d2 := store.Day(t0), store.Day(t0.Add(24*time.Hour))
		_ = s.Count(t.Context(), d1, store.Counters{"received:alertmanager": 3, "alertname:A": 2})
		_ = s.Count(t.Context(), d1, store.Counters{"received:alertmanager": 4})
		_ = s.Count(t.Context(), d2, store.Counters{"sent:slack": 1})
		got, err := s.Counters(t.Context(), []string{d1, d2, "1999-01-01"})
		if err != nil || got[d1]["received:alertmanager"] != 7 || got[d1]["alertname:A"] != 2 || got[d2]["sent:slack"] != 1 || len(got) != 2 {
			t.Errorf("Counters = %v, %v", got, err)
		}
	})
}

func equalIncident(a, b store.Incident) bool {
	return a.ID == b.ID && a.Group == b.Group && a.Title == b.Title && a.Receiver == b.Receiver && a.Severity == b.Severity &&
		a.Service == b.Service && a.StartsAt.Equal(b.StartsAt) && a.Opened.Equal(b.Opened) && a.Notified.Equal(b.Notified) &&
		a.AckedBy == b.AckedBy && a.AckedAt.Equal(b.AckedAt) && a.ResolvedAt.Equal(b.ResolvedAt) && a.Status == b.Status
}
