package notify

import (
	"maps"
	"slices"
)

// ChronicList is one receiver's chronic incidents, as its chronic digest
// lists them.
type ChronicList struct {
	Receiver  string            `json:"receiver"`
	Incidents []ChronicIncident `json:"incidents"`
}

// ChronicLists orders chronic incidents by receiver name, for a page or
// an answer that lists them one receiver after the other. It is never
// nil, so that none encodes as an empty JSON list.
func ChronicLists(byReceiver map[string][]ChronicIncident) []ChronicList {
	out := make([]ChronicList, 0, len(byReceiver))
	for _, r := range slices.Sorted(maps.Keys(byReceiver)) {
		out = append(out, ChronicList{Receiver: r, Incidents: byReceiver[r]})
	}
	return out
}
