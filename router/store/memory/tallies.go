package memory

import (
	"context"

	"github.com/alertgate/alertgate/incident"
)

// CountersOf returns the named counters of day.
func (s *Store) CountersOf(ctx context.Context, day string, names []string) (incident.Counters, error) {
	s.incidentsMu.Lock()
	defer s.incidentsMu.Unlock()
	out := incident.Counters{}
	c := s.counters[day]
	for _, n := range names {
		if v, ok := c[n]; ok {
			out[n] = v
		}
	}
	return out, ctx.Err()
}
