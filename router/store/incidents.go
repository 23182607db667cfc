package store

import (
	"cmp"
	"slices"

	"github.com/alertgate/alertgate/incident"
)

// SortIncidents puts incidents in the order every listing returns them:
// newest opened first, ties by ID.
func SortIncidents(incs []incident.Incident) {
	slices.SortFunc(incs, func(a, b incident.Incident) int { return cmp.Or(b.Opened.Compare(a.Opened), cmp.Compare(a.ID, b.ID)) })
}

// LatestResolved keeps, of resolved incidents, the limit resolved last
// (ties: newest opened first, then by ID), in the order of SortIncidents.
func LatestResolved(incs []incident.Incident, limit int) []incident.Incident {
	if len(incs) > limit {
		slices.SortFunc(incs, func(a, b incident.Incident) int {
			return cmp.Or(b.ResolvedAt.Compare(a.ResolvedAt), b.Opened.Compare(a.Opened), cmp.Compare(a.ID, b.ID))
		})
		incs = incs[:max(limit, 0)]
	}
	SortIncidents(incs)
	return incs
}
