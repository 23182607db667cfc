package memory

import (
	"context"
	"slices"
	"time"

	"github.com/alertgate/alertgate/incident"
	"github.com/alertgate/alertgate/router/store"
)

type incidentRecord struct {
	inc    incident.Incident
	events []incident.Event
}

// RecordIncident merges u into the incident u.ID (creating it) and
// appends events to its timeline.
func (s *Store) RecordIncident(ctx context.Context, u incident.Incident, events ...incident.Event) error {
	s.incidentsMu.Lock()
	defer s.incidentsMu.Unlock()
	in := s.incidents[u.ID]
	if in == nil {
		in = &incidentRecord{}
		s.incidents[u.ID] = in
	}
	in.inc.Merge(u)
	if in.inc.Status == incident.StatusResolved {
		delete(s.open, u.ID)
	} else {
		s.open[u.ID] = in
	}
	in.events = append(in.events, events...)
	if n := len(in.events) - incident.MaxTimelineEvents; n > 0 {
		in.events = append(in.events[:0:0], in.events[n:]...)
	}
	return ctx.Err()
}

// Incident returns an incident and its timeline in order of time.
func (s *Store) Incident(ctx context.Context, id string) (incident.Incident, []incident.Event, bool, error) {
	s.incidentsMu.Lock()
	defer s.incidentsMu.Unlock()
	in := s.incidents[id]
	if in == nil {
		return incident.Incident{}, nil, false, ctx.Err()
	}
	ev := slices.Clone(in.events)
	slices.SortStableFunc(ev, func(a, b incident.Event) int { return a.At.Compare(b.At) })
	return in.inc, ev, true, ctx.Err()
}

// Incidents lists incidents opened at or after since, newest first, at
// most limit, forgetting those older than the retention.
func (s *Store) Incidents(ctx context.Context, now, since time.Time, limit int) ([]incident.Incident, error) {
	s.incidentsMu.Lock()
	defer s.incidentsMu.Unlock()
	return s.listIncidents(ctx, now, s.incidents, limit, func(inc *incident.Incident) bool { return !inc.Opened.Before(since) })
}

// OpenIncidents lists the incidents that are not resolved, newest first,
// at most limit, forgetting those older than the retention.
func (s *Store) OpenIncidents(ctx context.Context, now time.Time, limit int) ([]incident.Incident, error) {
	s.incidentsMu.Lock()
	defer s.incidentsMu.Unlock()
	return s.listIncidents(ctx, now, s.open, limit, func(*incident.Incident) bool { return true })
}

// ResolvedIncidents lists the incidents resolved at or after since,
// newest first, at most limit (the most recently resolved), forgetting
// those older than the retention.
func (s *Store) ResolvedIncidents(ctx context.Context, now, since time.Time, limit int) ([]incident.Incident, error) {
	s.incidentsMu.Lock()
	defer s.incidentsMu.Unlock()
	out, err := s.listIncidents(ctx, now, s.incidents, len(s.incidents), func(inc *incident.Incident) bool {
		return inc.Status == incident.StatusResolved && !inc.ResolvedAt.Before(since)
	})
	return store.LatestResolved(out, limit), err
}

// listIncidents returns the incidents of from that keep says to, newest
// first, at most limit, and forgets those of from opened longer than the
// retention ago. s.incidentsMu is held.
func (s *Store) listIncidents(ctx context.Context, now time.Time, from map[string]*incidentRecord, limit int, keep func(*incident.Incident) bool) ([]incident.Incident, error) {
	var out []incident.Incident
	for id, in := range from {
		if now.Sub(in.inc.Opened) > s.opts.IncidentRetention {
			delete(s.incidents, id)
			delete(s.open, id)
			continue
		}
		if keep(&in.inc) {
			out = append(out, in.inc)
		}
	}
	store.SortIncidents(out)
	if len(out) > limit {
		out = out[:max(limit, 0)]
	}
	return out, ctx.Err()
}

// Count adds to the day's counters.
func (s *Store) Count(ctx context.Context, day string, add incident.Counters) error {
	s.incidentsMu.Lock()
	defer s.incidentsMu.Unlock()
	c := s.counters[day]
	if c == nil {
		c = incident.Counters{}
		s.counters[day] = c
	}
	for k, v := range add {
		c[k] += v
	}
	return ctx.Err()
}

// Counters returns the counters of the given days (missing days are
// absent from the result).
func (s *Store) Counters(ctx context.Context, days []string) (map[string]incident.Counters, error) {
	s.incidentsMu.Lock()
	defer s.incidentsMu.Unlock()
	out := map[string]incident.Counters{}
	for _, d := range days {
		if c, ok := s.counters[d]; ok {
			cp := make(incident.Counters, len(c))
			for k, v := range c {
				cp[k] = v
			}
			out[d] = cp
		}
	}
	return out, ctx.Err()
}
