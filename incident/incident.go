package incident

import (
	"strconv"
	"time"

	"github.com/alertgate/alertgate/alert"
)

// EventType names what happened on an incident's timeline.
type EventType string

// Timeline events, in the order they usually happen.
const (
	EventOccurred     EventType = "occurred"     // the problem started (an alert's startsAt)
	EventDetected     EventType = "detected"     // alertgate first received the alert
	EventNotified     EventType = "notified"     // a target accepted a notification
	EventAcknowledged EventType = "acknowledged" // someone took it
	EventEscalated    EventType = "escalated"    // nobody took it in time, or PagerDuty escalated it
	EventReassigned   EventType = "reassigned"   // someone handed it to someone else (in PagerDuty)
	EventSilenced     EventType = "silenced"     // held back by a silence or maintenance window
	EventInhibited    EventType = "inhibited"    // held back by another alert
	EventFlapping     EventType = "flapping"     // an alert started flapping
	EventResolved     EventType = "resolved"     // an alert, or the whole incident, resolved
	EventAbsorbed     EventType = "absorbed"     // moved into the incident of its cause, or took one in
)

// Event is one entry of an incident's timeline.
type Event struct {
	At          time.Time         `json:"at"`
	Type        EventType         `json:"type"`
	Fingerprint alert.Fingerprint `json:"fingerprint,omitempty"`
	Alert       string            `json:"alert,omitempty"`
	// Target is where a notification went ("pagerduty:oncall").
	Target string `json:"target,omitempty"`
	// Actor is who acted: the person who acknowledged, the on-call who
	// was notified.
	Actor  string `json:"actor,omitempty"`
	Detail string `json:"detail,omitempty"`
}

// Incident is what alertgate remembers of an incident after its group is
// gone: the facts announcements, postmortems and reports are built from.
type Incident struct {
	// ID is unique per occurrence: the group key and the time it opened.
	ID string `json:"id"`
	// Group is the group key (the PagerDuty dedup_key).
	Group    string            `json:"group"`
	Title    string            `json:"title,omitempty"`
	Receiver string            `json:"receiver,omitempty"`
	Severity alert.Severity    `json:"severity,omitempty"`
	Service  string            `json:"service,omitempty"`
	Labels   map[string]string `json:"labels,omitempty"`
	Runbook  string            `json:"runbook,omitempty"`
	// StartsAt is the earliest member startsAt (occurrence).
	StartsAt time.Time `json:"startsAt,omitzero"`
	// Opened is when alertgate first received one of its alerts
	// (detection).
	Opened time.Time `json:"opened"`
	// Notified is when a target first accepted a notification.
	Notified   time.Time `json:"notified,omitzero"`
	AckedBy    string    `json:"ackedBy,omitempty"`
	AckedAt    time.Time `json:"ackedAt,omitzero"`
	ResolvedAt time.Time `json:"resolvedAt,omitzero"`
	// Status is open or resolved.
	Status string `json:"status"`
}

// Incident statuses.
const (
	StatusOpen     = "open"
	StatusResolved = "resolved"
)

// ID names the occurrence of a group opened at opened.
func ID(group string, opened time.Time) string {
	return group + "-" + strconv.FormatInt(opened.Unix(), 36)
}

// Merge folds an update into the incident: the earliest StartsAt,
// Opened and Notified win, the first acknowledgement wins, other set
// fields overwrite. Both stores apply updates with these rules so that
// concurrent writers (flusher, worker, Slack button) never lose facts.
func (inc *Incident) Merge(u Incident) {
	earliest := func(cur *time.Time, t time.Time) {
		if !t.IsZero() && (cur.IsZero() || t.Before(*cur)) {
			*cur = t
		}
	}
	set := func(cur *string, v string) {
		if v != "" {
			*cur = v
		}
	}
	earliest(&inc.StartsAt, u.StartsAt)
	earliest(&inc.Opened, u.Opened)
	earliest(&inc.Notified, u.Notified)
	if inc.AckedBy == "" && u.AckedBy != "" {
		inc.AckedBy, inc.AckedAt = u.AckedBy, u.AckedAt
	}
	set(&inc.ID, u.ID)
	set(&inc.Group, u.Group)
	set(&inc.Title, u.Title)
	set(&inc.Receiver, u.Receiver)
	set(&inc.Service, u.Service)
	set(&inc.Runbook, u.Runbook)
	set(&inc.Status, u.Status)
	if u.Severity.Rank() > inc.Severity.Rank() {
		inc.Severity = u.Severity
	}
	if len(u.Labels) > 0 {
		inc.Labels = u.Labels
	}
	if !u.ResolvedAt.IsZero() {
		inc.ResolvedAt = u.ResolvedAt
	}
	if u.Status == StatusOpen {
		inc.ResolvedAt = time.Time{}
	}
}

// MaxTimelineEvents bounds one incident's timeline; the oldest events
// beyond it are dropped (an incident that long needs its own review).
const MaxTimelineEvents = 1000
