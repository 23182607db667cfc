package store

import (
	"time"

	"github.com/alertgate/alertgate/alert"
)

// Silence mutes alerts whose labels match all its matchers between
// StartsAt and EndsAt. Matchers are Alertmanager matcher strings
// (`service="api"`, `alertname=~"Disk.*"`); the store keeps them as text
// and the rules package evaluates them.
type Silence struct {
	ID        string    `json:"id"`
	Matchers  []string  `json:"matchers"`
	StartsAt  time.Time `json:"startsAt"`
	EndsAt    time.Time `json:"endsAt"`
	CreatedBy string    `json:"createdBy"`
	Comment   string    `json:"comment,omitempty"`
	CreatedAt time.Time `json:"createdAt"`
}

// Active reports whether the silence mutes at t.
func (s *Silence) Active(t time.Time) bool { return !t.Before(s.StartsAt) && t.Before(s.EndsAt) }

// SilenceRetention is how long an expired silence stays listed.
const SilenceRetention = 7 * 24 * time.Hour

// Timer is a durable, replica-safe deadline on a group: today, escalating
// an unacknowledged incident to another receiver.
type Timer struct {
	// Group is the key of the group the timer belongs to.
	Group string `json:"group"`
	// Receiver is who to notify when the timer fires.
	Receiver string `json:"receiver"`
	// At is when the timer fires.
	At time.Time `json:"at"`
	// Lease identifies a claim, as for group flushes.
	Lease string `json:"lease,omitempty"`
}

// GroupState is a group's current members and incident state, read
// without claiming the group.
type GroupState struct {
	Flush
	// AckedBy and AckedAt record who acknowledged the incident.
	AckedBy string    `json:"ackedBy,omitempty"`
	AckedAt time.Time `json:"ackedAt,omitzero"`
	// Escalated lists receivers the incident was escalated to; they
	// receive every later notification of the group too.
	Escalated []string `json:"escalated,omitempty"`
}

// Firing reports whether any member fires.
func (g *GroupState) Firing() bool {
	for _, m := range g.Members {
		if m.Alert.Status == alert.StatusFiring {
			return true
		}
	}
	return false
}

// Thread is where an incident's messages live at one chat target: the
// message to update and to reply under.
type Thread struct {
	// Ref is the provider's message reference (Slack's channel and ts).
	Ref string `json:"ref"`
	// Seq is the sequence number of the last notification applied there.
	Seq int64 `json:"seq"`
}
