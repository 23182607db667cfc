package memory

import (
	"context"
	"slices"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/incident"
	"github.com/alertgate/alertgate/router/store"
)

// GroupSummaries returns, for each incident, what its group holds now:
// how many members, how many firing, their sources, where it was
// escalated, and, for an incident without a title, its first member's
// summary.
func (s *Store) GroupSummaries(ctx context.Context, incs []incident.Incident) ([]store.GroupSummary, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]store.GroupSummary, len(incs))
	for i, inc := range incs {
		if g := s.groups[inc.Group]; g != nil && incident.ID(inc.Group, g.opened) == inc.ID {
			out[i] = g.summary(inc.Title == "")
		}
	}
	return out, nil
}

// summary counts the group's members; titled asks for the first
// member's summary too.
func (g *group) summary(titled bool) store.GroupSummary {
	sum := store.GroupSummary{Found: true, Members: len(g.members), Escalated: slices.Clone(g.escalated)}
	var first *incident.Member
	for _, m := range g.members {
		if m.Alert.Status == alert.StatusFiring {
			sum.Firing++
		}
		if !slices.Contains(sum.Sources, m.Alert.Source) {
			sum.Sources = append(sum.Sources, m.Alert.Source)
		}
		if first == nil || m.Alert.Fingerprint < first.Alert.Fingerprint {
			first = m
		}
	}
	slices.Sort(sum.Sources)
	if titled && first != nil {
		sum.Title = first.Alert.Summary()
	}
	return sum
}
