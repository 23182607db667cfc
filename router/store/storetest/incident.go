package storetest

import (
	"strconv"
	"strings"
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
	t.Run("OpenIndexFollowsEveryStatusChange", func(t *testing.T) {
		s := newStore(t, testOptions)
		at := func(h int) time.Time { return t0.Add(time.Duration(h) * time.Hour) }
		record := func(u incident.Incident) {
			t.Helper()
			if err := s.RecordIncident(t.Context(), u); err != nil {
				t.Fatal(err)
			}
		}
		inc := func(group string, opened time.Time, status string) incident.Incident {
			return incident.Incident{ID: incident.ID(group, opened), Group: group, Title: group + " down", Receiver: "team", Severity: alert.SeverityCritical,
				Service: "api", Labels: map[string]string{"service": "api", "group": group}, Opened: opened, Status: status}
		}
		open, resolved, reopened, acked := inc("open", at(1), incident.StatusOpen), inc("resolved", at(2), incident.StatusOpen), inc("reopened", at(3), incident.StatusOpen), inc("acked", at(4), incident.StatusOpen)
		for _, u := range []incident.Incident{open, resolved, reopened, acked} {
			record(u)
		}
		record(incident.Incident{ID: resolved.ID, Status: incident.StatusResolved, ResolvedAt: at(5)})
		record(incident.Incident{ID: reopened.ID, Status: incident.StatusResolved, ResolvedAt: at(5)})
		record(incident.Incident{ID: reopened.ID, Status: incident.StatusOpen})
		record(incident.Incident{ID: acked.ID, AckedBy: "alice", AckedAt: at(5)})
		// An event for an incident recorded without a status (a person's
		// note) leaves it open, as the board counts it.
		record(incident.Incident{ID: incident.ID("noted", at(6)), Group: "noted", Opened: at(6)})

		now := at(7)
		got, err := s.OpenIncidents(t.Context(), now, 100)
		if err != nil {
			t.Fatal(err)
		}
		all, err := s.Incidents(t.Context(), now, time.Time{}, 100)
		if err != nil {
			t.Fatal(err)
		}
		var want []incident.Incident
		for _, inc := range all {
			if inc.Status != incident.StatusResolved {
				want = append(want, inc)
			}
		}
		if ids(got) != ids(want) || ids(got) != "noted acked reopened open" {
			t.Fatalf("open incidents %s, want %s (Incidents without the resolved ones)", ids(got), ids(want))
		}
		for i := range got {
			if !equalIncident(got[i], want[i]) || got[i].Labels["group"] != want[i].Labels["group"] {
				t.Errorf("open incident %d = %+v\nwant            %+v", i, got[i], want[i])
			}
		}
		if got[1].AckedBy != "alice" || !got[2].ResolvedAt.IsZero() {
			t.Errorf("acked %+v, reopened %+v: the index must carry the merged record", got[1], got[2])
		}
		if got, _ := s.OpenIncidents(t.Context(), now, 2); ids(got) != "noted acked" {
			t.Errorf("open incidents limited to 2 = %s, want the newest two", ids(got))
		}
		if got, _ := s.ResolvedIncidents(t.Context(), now, at(5), 100); ids(got) != "resolved" || !got[0].ResolvedAt.Equal(at(5)) || got[0].Title != "resolved down" {
			t.Errorf("resolved incidents = %+v, want the one resolved", got)
		}
	})
	t.Run("OpenIncidentsKeepEveryByteOfTheRecord", func(t *testing.T) {
		s := newStore(t, testOptions)
		odd := "12:ab|c\x00d:e 日本語 \"quoted\" 0:"
		u := incident.Incident{ID: incident.ID("g:1|2", t0), Group: "g:1|2", Title: odd, Receiver: odd, Service: odd, Runbook: odd,
			Labels: map[string]string{odd: odd}, Severity: alert.SeverityWarning, Opened: t0, AckedBy: odd, AckedAt: t0.Add(time.Minute), Status: incident.StatusOpen}
		if err := s.RecordIncident(t.Context(), u); err != nil {
			t.Fatal(err)
		}
		got, err := s.OpenIncidents(t.Context(), t0.Add(time.Hour), 10)
		if err != nil || len(got) != 1 {
			t.Fatalf("OpenIncidents = %+v, %v", got, err)
		}
		if !equalIncident(got[0], u) || got[0].Labels[odd] != odd {
			t.Errorf("open incident = %+v\nwant %+v", got[0], u)
		}
	})
	t.Run("ResolvedListingKeepsTheMostRecentlyResolvedSince", func(t *testing.T) {
		s := newStore(t, testOptions)
		// opened hour, resolved hour: the one opened last resolved first.
		for i, h := range [][2]int{{1, 9}, {2, 6}, {3, 8}, {4, 5}, {5, 7}} {
			opened := t0.Add(time.Duration(h[0]) * time.Hour)
			id := incident.ID("g"+strconv.Itoa(i), opened)
			_ = s.RecordIncident(t.Context(), incident.Incident{ID: id, Group: "g" + strconv.Itoa(i), Opened: opened, Status: incident.StatusOpen})
			_ = s.RecordIncident(t.Context(), incident.Incident{ID: id, Status: incident.StatusResolved, ResolvedAt: t0.Add(time.Duration(h[1]) * time.Hour)})
		}
		now := t0.Add(10 * time.Hour)
		if got, _ := s.ResolvedIncidents(t.Context(), now, t0.Add(6*time.Hour), 100); ids(got) != "g4 g2 g1 g0" {
			t.Errorf("resolved since 6h = %s, want g4 g2 g1 g0 (newest opened first)", ids(got))
		}
		if got, _ := s.ResolvedIncidents(t.Context(), now, t0, 2); ids(got) != "g2 g0" {
			t.Errorf("resolved, limit 2 = %s, want the two resolved last (g0 at 9h, g2 at 8h), newest opened first", ids(got))
		}
		if got, _ := s.OpenIncidents(t.Context(), now, 100); len(got) != 0 {
			t.Errorf("open incidents = %s, want none", ids(got))
		}
	})
	t.Run("ListingsForgetIncidentsOlderThanTheRetention", func(t *testing.T) {
		opts := testOptions
		opts.IncidentRetention = 48 * time.Hour
		s := newStore(t, opts)
		old, recent := incident.ID("old", t0), incident.ID("recent", t0.Add(24*time.Hour))
		_ = s.RecordIncident(t.Context(), incident.Incident{ID: old, Group: "old", Opened: t0, Status: incident.StatusOpen})
		_ = s.RecordIncident(t.Context(), incident.Incident{ID: recent, Group: "recent", Opened: t0.Add(24 * time.Hour), Status: incident.StatusOpen})
		// Written again later: the retention counts from when it opened.
		_ = s.RecordIncident(t.Context(), incident.Incident{ID: old, Notified: t0.Add(47 * time.Hour)})
		now := t0.Add(48*time.Hour + time.Minute)
		if got, _ := s.OpenIncidents(t.Context(), now, 100); ids(got) != "recent" {
			t.Errorf("open incidents after the retention = %s, want only the recent one", ids(got))
		}
		if _, _, ok, _ := s.Incident(t.Context(), old); ok {
			t.Error("the incident older than the retention is still kept")
		}
		_ = s.RecordIncident(t.Context(), incident.Incident{ID: recent, Status: incident.StatusResolved, ResolvedAt: now})
		if got, _ := s.ResolvedIncidents(t.Context(), t0.Add(72*time.Hour+time.Minute), t0, 100); len(got) != 0 {
			t.Errorf("resolved incidents after the retention = %s, want none", ids(got))
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

// ids names incidents by their group, in order.
func ids(incs []incident.Incident) string {
	var out []string
	for _, inc := range incs {
		out = append(out, inc.Group)
	}
	return strings.Join(out, " ")
}
