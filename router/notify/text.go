package notify

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/alertgate/alertgate/alert"
)

// The helpers below describe a notification in plain words, for the
// integrations that lay out their own messages (Teams, email, Opsgenie):
// one wording for all of them.

// Headline is "CRITICAL · FIRING — title", the incident's state and
// title on one line.
func (n *Notification) Headline() string {
	return strings.ToUpper(string(n.severityOrMax())) + " · " + n.StateWord() + " — " + n.TitleOrName()
}

// StateWord is FIRING, ACKNOWLEDGED or RESOLVED.
func (n *Notification) StateWord() string {
	switch {
	case n.Status == alert.StatusResolved:
		return "RESOLVED"
	case n.AckedBy != "":
		return "ACKNOWLEDGED"
	}
	return "FIRING"
}

// TitleOrName is the title, else the first member's name, else the
// incident key.
func (n *Notification) TitleOrName() string {
	if n.Title != "" {
		return n.Title
	}
	if len(n.Members) > 0 {
		return n.Members[0].Name
	}
	return n.Incident
}

func (n *Notification) severityOrMax() alert.Severity {
	if n.Severity != "" {
		return n.Severity
	}
	var s alert.Severity
	for _, m := range n.Members {
		s = s.Max(m.Severity)
	}
	if s == "" {
		return "alert"
	}
	return s
}

// Counts is "3 firing, 1 resolved".
func (n *Notification) Counts() string {
	f := len(n.Firing())
	s := fmt.Sprintf("%d firing", f)
	if r := len(n.Members) - f; r > 0 {
		s += fmt.Sprintf(", %d resolved", r)
	}
	return s
}

// Description is the best text about the incident: the summary, else
// the first member's description.
func (n *Notification) Description() string {
	if n.Enrichment.Summary != "" {
		return n.Enrichment.Summary
	}
	for _, m := range n.Members {
		if d := m.Annotations["description"]; d != "" {
			return d
		}
	}
	return ""
}

// Change says in one line what this notification reports.
func (n *Notification) Change() string {
	switch n.Kind {
	case KindUpdate:
		return "Updated: now " + n.Counts() + "."
	case KindRepeat:
		return "Still firing: " + n.Counts() + "."
	case KindResolve:
		return "Resolved."
	case KindAcknowledge:
		who := n.AckedBy
		if who == "" {
			who = "someone"
		}
		return "Acknowledged by " + who + "."
	case KindAnnounce:
		return "Impact announcement draft."
	}
	return ""
}

// MemberLine is one alert: its name, status and the labels that tell it
// apart from the others.
func MemberLine(m *Member) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m.Labels)) {
		switch k {
		case alert.LabelAlertName, alert.LabelSeverity, alert.LabelSource:
			continue
		}
		parts = append(parts, k+"="+m.Labels[k])
	}
	s := m.Name + " [" + string(m.Status) + "]"
	if len(parts) > 0 {
		s += " " + strings.Join(parts, " ")
	}
	return alert.Truncate(s, 300)
}

// Link is a titled URL to show with a notification.
type Link struct {
	Title string `json:"title"`
	URL   string `json:"url"`
}
