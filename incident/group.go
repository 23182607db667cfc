package incident

import (
	"time"

	"github.com/alertgate/alertgate/alert"
)

// GroupRef names a notification group an alert belongs to: one route's
// group (Alertmanager's group_by) or a correlated incident. Alerts of one
// group are notified together, as one incident.
type GroupRef struct {
	// Key identifies the group across replicas; it becomes the PagerDuty
	// dedup_key and the Slack thread of the incident.
	Key string `json:"key"`
	// Route identifies the route that formed the group.
	Route string `json:"route"`
	// Receiver is the route's receiver.
	Receiver string `json:"receiver"`
	// Labels are the group's common labels (the group_by values).
	Labels map[string]string `json:"labels,omitempty"`
	// Wait is how long a new group collects alerts before its first
	// notification (group_wait).
	Wait time.Duration `json:"wait"`
	// Interval is the minimum time between two notifications of the group
	// (group_interval).
	Interval time.Duration `json:"interval"`
}

// Member is one alert of a group as a flush sees it.
type Member struct {
	Alert alert.Alert `json:"alert"`
	// Reason is the notifying verdict that touched the member since the
	// group's last flush; empty when the member has no news.
	Reason Reason `json:"reason,omitempty"`
	// Flushed is the status last included in a flush of this group; empty
	// if the member has never been flushed.
	Flushed alert.Status `json:"flushed,omitempty"`
	// Flapping is true while the alert is flapping.
	Flapping bool `json:"flapping,omitempty"`
	// Version changes whenever the member changes, so a flush completes
	// only what it saw.
	Version int64 `json:"version"`
	// Joined is when the alert joined the group: when alertgate detected
	// it, for the incident timeline.
	Joined time.Time `json:"joined"`
}

// Changed reports whether the member has news since the last flush.
func (m Member) Changed() bool { return m.Reason != "" }

// Flush is a group claimed for notification. Its holder must complete
// it (or let the lease expire, after which another replica claims the
// group again).
type Flush struct {
	Group GroupRef `json:"group"`
	// Seq numbers the group's flushes from 1, so a delivery can tell a
	// newer notification of the same incident from an older one.
	Seq int64 `json:"seq"`
	// Members are the group's alerts, in fingerprint order.
	Members []Member `json:"members"`
	// Lease identifies this claim; completing the flush checks it.
	Lease string `json:"lease"`
	// LeaseUntil is when another replica may claim the group again.
	LeaseUntil time.Time `json:"leaseUntil"`
	// Escalated lists receivers the incident was escalated to; the flush
	// notifies them as well as the group's own receiver.
	Escalated []string `json:"escalated,omitempty"`
	// Opened is when the group was formed; with the key it names the
	// incident (ID).
	Opened time.Time `json:"opened"`
}

// IncidentID names the occurrence the flush belongs to; "" for a flush
// made without the store (fail-open delivery).
func (f *Flush) IncidentID() string {
	if f.Opened.IsZero() {
		return ""
	}
	return ID(f.Group.Key, f.Opened)
}

// Firing reports whether any member fires.
func (f *Flush) Firing() bool {
	for _, m := range f.Members {
		if m.Alert.Status == alert.StatusFiring {
			return true
		}
	}
	return false
}
