package pipeline

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/incident"
	"github.com/alertgate/alertgate/router/notify"
)

// build turns a claimed group into the notification people should see,
// or nil when there is nothing to tell (every member resolved before
// anyone was told it fired).
func build(f *incident.Flush, now time.Time) *notify.Notification {
	kind, ok := kindOf(f.Members)
	if !ok {
		return nil
	}
	return assemble(f, kind, now)
}

// assemble builds a notification of the given kind from all the
// members of f.
func assemble(f *incident.Flush, kind notify.Kind, now time.Time) *notify.Notification {
	n := &notify.Notification{
		Incident:    f.Group.Key,
		IncidentID:  f.IncidentID(),
		Seq:         f.Seq,
		Kind:        kind,
		Target:      notify.Target{Receiver: f.Group.Receiver},
		Status:      alert.StatusResolved,
		GroupLabels: f.Group.Labels,
		CreatedAt:   now,
	}
	if f.Seq == 0 {
		n.Notes = append(n.Notes, "alertgate's state store was unreachable: this was sent without deduplication and may repeat")
	}
	for _, m := range f.Members {
		a := m.Alert
		// No target shows the original payload (and the store is not
		// given it: observations), and carrying it through the outbox
		// would double what every notification of a large group costs.
		a.Raw = nil
		n.Members = append(n.Members, notify.Member{Alert: a, Change: string(m.Reason), Flapping: m.Flapping})
		if m.Flapping {
			n.Notes = appendOnce(n.Notes, "some alerts are flapping: their transitions are held back until they are stable")
		}
	}
	slices.SortStableFunc(n.Members, func(a, b notify.Member) int {
		return cmp.Or(
			cmp.Compare(statusRank(b.Status), statusRank(a.Status)),
			cmp.Compare(b.Severity.Rank(), a.Severity.Rank()),
			a.StartsAt.Compare(b.StartsAt),
		)
	})
	firing := n.Firing()
	if len(firing) > 0 {
		n.Status = alert.StatusFiring
	}
	considered := firing
	if len(considered) == 0 {
		considered = n.Members
	}
	for _, m := range considered {
		n.Severity = n.Severity.Max(m.Severity)
	}
	n.Title = title(considered)
	return n
}

// kindOf decides what the flush does to the incident from what its
// members did since the previous flush.
func kindOf(members []incident.Member) (notify.Kind, bool) {
	var firing, wasNotified, news, onlyRepeats = 0, false, false, true
	for _, m := range members {
		if m.Alert.Status == alert.StatusFiring {
			firing++
		}
		if m.Flushed == alert.StatusFiring {
			wasNotified = true
		}
		if m.Changed() {
			news = true
			if m.Reason != incident.ReasonRepeat {
				onlyRepeats = false
			}
		}
	}
	switch {
	case !news:
		return "", false
	case firing == 0 && !wasNotified:
		return "", false
	case firing == 0:
		return notify.KindResolve, true
	case !wasNotified:
		return notify.KindTrigger, true
	case onlyRepeats:
		return notify.KindRepeat, true
	}
	return notify.KindUpdate, true
}

// title describes the incident in one line: the most severe member's
// summary, and how many more there are.
func title(members []notify.Member) string {
	if len(members) == 0 {
		return ""
	}
	t := members[0].Summary()
	if len(members) > 1 {
		t = fmt.Sprintf("%s (+%d more)", t, len(members)-1)
	}
	return alert.Truncate(t, 250)
}

func statusRank(s alert.Status) int {
	if s == alert.StatusFiring {
		return 1
	}
	return 0
}

func appendOnce(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}
