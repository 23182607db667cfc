package storetest

import (
	"testing"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/incident"
)

func runIncidents(t *testing.T, newStore Factory) {
	id := incident.ID("g1", t0)
	t.Run("MergeKeepsTheEarliestFactsAndTheFirstAck", func(t *testing.T) {
		s := newStore(t, testOptions)
		record := func(u incident.Incident, ev ...incident.Event) {
			t.Helper()
			if err := s.RecordIncident(t.Context(), u, ev...); err != nil {
				t.Fatal(err)
			}
		}
		record(incident.Incident{ID: id, Group: "g1", Title: "5xx", Receiver: "team", Severity: alert.SeverityWarning, Service: "api",
			Labels: map[string]string{"service": "api"}, StartsAt: t0.Add(-2 * time.Minute), Opened: t0, Status: incident.StatusOpen},
			incident.Event{At: t0.Add(-2 * time.Minute), Type: incident.EventOccurred, Fingerprint: "a", Alert: "HighErrorRate"},
			incident.Event{At: t0, Type: incident.EventDetected, Fingerprint: "a", Alert: "HighErrorRate"})
		record(incident.Incident{ID: id, Severity: alert.SeverityCritical, Notified: t0.Add(time.Second), StartsAt: t0.Add(-time.Minute)},
			incident.Event{At: t0.Add(time.Second), Type: incident.EventNotified, Target: "pagerduty:oncall", Actor: "alice"})
		record(incident.Incident{ID: id, AckedBy: "alice", AckedAt: t0.Add(4 * time.Minute)},
			incident.Event{At: t0.Add(4 * time.Minute), Type: incident.EventAcknowledged, Actor: "alice"})
		record(incident.Incident{ID: id, AckedBy: "bob", AckedAt: t0.Add(5 * time.Minute), Severity: alert.SeverityInfo})
		record(incident.Incident{ID: id, Status: incident.StatusResolved, ResolvedAt: t0.Add(30 * time.Minute)},
			incident.Event{At: t0.Add(30 * time.Minute), Type: incident.EventResolved})

		inc, ev, ok, err := s.Incident(t.Context(), id)
		if err != nil || !ok {
			t.Fatalf("Incident = %v, %v", ok, err)
		}
		want := incident.Incident{ID: id, Group: "g1", Title: "5xx", Receiver: "team", Severity: alert.SeverityCritical, Service: "api",
			StartsAt: t0.Add(-2 * time.Minute), Opened: t0, Notified: t0.Add(time.Second), AckedBy: "alice", AckedAt: t0.Add(4 * time.Minute),
			ResolvedAt: t0.Add(30 * time.Minute), Status: incident.StatusResolved}
		inc.Labels = nil
		if !equalIncident(inc, want) {
			t.Errorf("incident = %+v\nwant       %+v", inc, want)
		}
		var types []incident.EventType
		for _, e := range ev {
			types = append(types, e.Type)
		}
		wantTypes := []incident.EventType{incident.EventOccurred, incident.EventDetected, incident.EventNotified, incident.EventAcknowledged, incident.EventResolved}
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
		_ = s.RecordIncident(t.Context(), incident.Incident{ID: id, Opened: t0, Status: incident.StatusResolved, ResolvedAt: t0.Add(time.Minute)})
		_ = s.RecordIncident(t.Context(), incident.Incident{ID: id, Status: incident.StatusOpen})
		inc, _, _, _ := s.Incident(t.Context(), id)
		if inc.Status != incident.StatusOpen || !inc.ResolvedAt.IsZero() {
			t.Errorf("reopened incident = %+v", inc)
		}
	})
	t.Run("ListingIsNewestFirstSinceAndLimited", func(t *testing.T) {
		s := newStore(t, testOptions)
		for i := range 5 {
			opened := t0.Add(time.Duration(i) * time.Hour)
			_ = s.RecordIncident(t.Context(), incident.Incident{ID: incident.ID("g", opened), Group: "g", Opened: opened, Status: incident.StatusOpen})
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
		ev := make([]incident.Event, incident.MaxTimelineEvents+10)
		for i := range ev {
			ev[i] = incident.Event{At: t0.Add(time.Duration(i) * time.Second), Type: incident.EventNotified}
		}
		_ = s.RecordIncident(t.Context(), incident.Incident{ID: id, Opened: t0}, ev...)
		_, got, _, _ := s.Incident(t.Context(), id)
		if len(got) != incident.MaxTimelineEvents || !got[0].At.Equal(t0.Add(10*time.Second)) {
			t.Errorf("timeline has %d events starting %v, want the newest %d", len(got), got[0].At, incident.MaxTimelineEvents)
		}
	})
	t.Run("DailyCountersAdd", func(t *testing.T) {
		s := newStore(t, testOptions)
		d1, d2 := incident.Day(t0), incident.Day(t0.Add(24*time.Hour))
		_ = s.Count(t.Context(), d1, incident.Counters{"received:alertmanager": 3, "alertname:A": 2})
		_ = s.Count(t.Context(), d1, incident.Counters{"received:alertmanager": 4})
		_ = s.Count(t.Context(), d2, incident.Counters{"sent:slack": 1})
		got, err := s.Counters(t.Context(), []string{d1, d2, "1999-01-01"})
		if err != nil || got[d1]["received:alertmanager"] != 7 || got[d1]["alertname:A"] != 2 || got[d2]["sent:slack"] != 1 || len(got) != 2 {
			t.Errorf("Counters = %v, %v", got, err)
		}
	})
}

func equalIncident(a, b incident.Incident) bool {
	return a.ID == b.ID && a.Group == b.Group && a.Title == b.Title && a.Receiver == b.Receiver && a.Severity == b.Severity &&
		a.Service == b.Service && a.StartsAt.Equal(b.StartsAt) && a.Opened.Equal(b.Opened) && a.Notified.Equal(b.Notified) &&
		a.AckedBy == b.AckedBy && a.AckedAt.Equal(b.AckedAt) && a.ResolvedAt.Equal(b.ResolvedAt) && a.Status == b.Status
}
