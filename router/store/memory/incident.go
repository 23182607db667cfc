package memory

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/alertgate/alertgate/router/store"
)

type incident struct {
	inc    store.Incident
	events []store.Event
}

// RecordIncident merges u into the incident u.ID (creating it) and
// appends events to its timeline.
func (s *Store) RecordIncident(ctx context.Context, u store.Incident, events ...store.Event) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	in := s.incidents[u.ID]
	if in == nil {
		in = &incident{}
		s.incidents[u.ID] = in
	}
	in.inc.Merge(u)
	in.events = append(in.events, events...)
	if n := len(in.events) - store.MaxTimelineEvents; n > 0 {
		in.events = append(in.events[:0:0], in.events[n:]...)
	}
	return ctx.Err()
}

// Incident returns an incident and its timeline in order of time.
func (s *Store) Incident(ctx context.Context, id string) (store.Incident, []store.Event, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	in := s.incidents[id]
	if in == nil {
		return store.Incident{}, nil, false, ctx.Err()
	}
	ev := slices.Clone(in.events)
	slices.SortStableFunc(ev, func(a, b store.Event) int { return a.At.Compare(b.At) })
	return in.inc, ev, true, ctx.Err()
}

// Incidents lists incidents opened at or after since, newest first, at
// most limit, forgetting those older than the retention.
func (s *Store) Incidents(ctx context.Context, now, since time.Time, limit int) ([]store.Incident, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []store.Incident
	for id, in := range s.incidents {
		if now.Sub(in.inc.Opened) > s.opts.IncidentRetention {
			delete(s.incidents, id)
			continue
		}
		if !in.inc.Opened.Before(since) {
			out = append(out, in.inc)
		}
	}
	slices.SortFunc(out, func(a, b store.Incident) int { return cmp.Or(b.Opened.Compare(a.Opened), cmp.Compare(a.ID, b.ID)) })
	if len(out) > limit {
		out = out[:limit]
	}
	return out, ctx.Err()
}

// Count adds to the day's counters.
func (s *Store) Count(ctx context.Context, day string, add store.Counters) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.counters[day]
	if c == nil {
		c = store.Counters{}
		s.counters[day] = c
	}
	for k, v := range add {
		c[k] += v
	}
	return ctx.Err()
}

// Counters returns the counters of the given days (missing days are
// absent from the result).
func (s *Store) Counters(ctx context.Context, days []string) (map[string]store.Counters, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]store.Counters{}
	for _, d := range days {
		if c, ok := s.counters[d]; ok {
			cp := make(store.Counters, len(c))
			for k, v := range c {
				cp[k] = v
			}
			out[d] = cp
		}
	}
	return out, ctx.Err()
}
