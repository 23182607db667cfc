package web

import (
	"cmp"
	"maps"
	"slices"
	"time"

	"github.com/alertgate/alertgate/incident"
	"github.com/alertgate/alertgate/router/notify"
)

// BoardPageSize is how many incidents one page of the Now board lists.
const BoardPageSize = 100

// Board statuses the Now page filters by.
const (
	BoardOpen     = "open"     // every open incident
	BoardUnacked  = "unacked"  // open, nobody has taken it
	BoardAcked    = "acked"    // open and acknowledged
	BoardResolved = "resolved" // resolved in the last BoardResolvedFor
)

// BoardResolvedFor is how long a resolved incident stays on the board.
const BoardResolvedFor = 24 * time.Hour

// BoardFilter narrows the Now board.
type BoardFilter struct {
	Service, Severity, Receiver, Status string
	// Page counts from 1.
	Page int
}

// Valid reports whether the filter's status is one the board knows.
func (f BoardFilter) Valid() bool {
	return f.Status == "" || slices.Contains([]string{BoardOpen, BoardUnacked, BoardAcked, BoardResolved}, f.Status)
}

// Board is the Now page: the incidents that match the filter, newest
// first, one page of them with their members.
type Board struct {
	Filter BoardFilter
	Rows   []BoardRow
	// Matching counts the incidents that match the filter; Open all open
	// ones.
	Matching, Open int
	Pages          int
	// Services, Severities and Receivers are the filter's choices.
	Services, Severities, Receivers []string
	// Selected are the incidents of this page, for the caller to fill
	// rows with their members (Add).
	Selected []incident.Incident
	// Heartbeats are the configured dead-man's switches, listed under
	// the incidents; HeartbeatsUnread says they could not be read.
	Heartbeats       []HeartbeatRow
	HeartbeatsUnread bool
}

// HeartbeatRow is one dead-man's switch under the Now board.
type HeartbeatRow struct {
	Name, Receiver string
	Interval       time.Duration
	// LastSeen is when one last arrived; zero if none has since
	// alertgate started.
	LastSeen time.Time
	// Due is when the next must arrive by; zero if not known.
	Due time.Time
	// State is ok, waiting (for the first), late or missing (and paging
	// Receiver).
	State string
}

// BoardRow is one incident on the board.
type BoardRow struct {
	ID, URL, Severity, Service, Title, Receiver string
	Sources                                     []string
	Members, Firing                             int
	OnCall, AckedBy                             string
	Opened                                      time.Time
	Resolved                                    bool
	Escalated                                   []string
}

// BoardItem is what the caller knows about one selected incident beyond
// its record: what its group holds now and who is on call for it.
type BoardItem struct {
	Incident incident.Incident
	// Members counts the incident's alerts, Firing those firing; Sources
	// name where they come from.
	Members, Firing int
	Sources         []string
	// Title names an incident recorded without a title: its first
	// alert's summary.
	Title     string
	Escalated []string
	OnCall    string
}

// NewBoard selects the incidents of the board from all recent ones (or
// at least the open ones and those resolved in the last
// BoardResolvedFor).
func NewBoard(all []incident.Incident, f BoardFilter, now time.Time) Board {
	if f.Status == "" {
		f.Status = BoardOpen
	}
	f.Page = max(f.Page, 1)
	b := Board{Filter: f}
	services, sevs, receivers := map[string]bool{}, map[string]bool{}, map[string]bool{}
	var match []incident.Incident
	for _, inc := range all {
		open := inc.Status != incident.StatusResolved
		if open {
			b.Open++
		}
		if !open && now.Sub(inc.ResolvedAt) > BoardResolvedFor {
			continue
		}
		services[inc.Service], sevs[string(inc.Severity)], receivers[inc.Receiver] = true, true, true
		if f.matches(&inc, open) {
			match = append(match, inc)
		}
	}
	slices.SortFunc(match, func(a, b incident.Incident) int { return cmp.Or(b.Opened.Compare(a.Opened), cmp.Compare(a.ID, b.ID)) })
	b.Matching = len(match)
	b.Pages = max(1, (len(match)+BoardPageSize-1)/BoardPageSize)
	from := min((f.Page-1)*BoardPageSize, len(match))
	b.Selected = match[from:min(from+BoardPageSize, len(match))]
	b.Services, b.Severities, b.Receivers = choices(services), choices(sevs), choices(receivers)
	return b
}

func (f *BoardFilter) matches(inc *incident.Incident, open bool) bool {
	switch {
	case f.Service != "" && inc.Service != f.Service,
		f.Severity != "" && string(inc.Severity) != f.Severity,
		f.Receiver != "" && inc.Receiver != f.Receiver:
		return false
	}
	switch f.Status {
	case BoardUnacked:
		return open && inc.AckedBy == ""
	case BoardAcked:
		return open && inc.AckedBy != ""
	case BoardResolved:
		return !open
	}
	return open
}

func choices(set map[string]bool) []string {
	delete(set, "")
	return slices.Sorted(maps.Keys(set))
}

// Add appends the row of one selected incident.
func (b *Board) Add(it BoardItem) {
	inc := it.Incident
	row := BoardRow{
		ID: inc.ID, URL: notify.IncidentPath(inc.ID), Severity: string(inc.Severity), Service: inc.Service,
		Title: cmp.Or(inc.Title, it.Title, inc.Group), Receiver: inc.Receiver, OnCall: it.OnCall, AckedBy: inc.AckedBy, Opened: inc.Opened,
		Resolved: inc.Status == incident.StatusResolved, Members: it.Members, Firing: it.Firing, Escalated: it.Escalated,
	}
	sources := map[string]bool{}
	for _, src := range it.Sources {
		sources[src] = true
	}
	row.Sources = choices(sources)
	b.Rows = append(b.Rows, row)
}

// Prev is the number of the page before this one.
func (b Board) Prev() int { return b.Filter.Page - 1 }

// Next is the number of the page after this one.
func (b Board) Next() int { return b.Filter.Page + 1 }
