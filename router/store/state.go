package store

import (
	"errors"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/incident"
)

// Observation is one alert as received, with what routing already decided
// about it.
type Observation struct {
	Alert alert.Alert
	// RepeatInterval is how long a still-firing alert stays quiet after a
	// notification.
	RepeatInterval time.Duration
	// Groups are the notification groups the alert joins when it notifies.
	Groups []incident.GroupRef
	// Inhibits are the inhibition keys this alert holds while it fires:
	// for each inhibit rule whose source matchers it matches, the rule and
	// the values of the rule's equal labels. A target alert is inhibited
	// while another alert holds one of its keys.
	Inhibits []string
}

// CorrelateRequest asks which incident an alert belongs to.
type CorrelateRequest struct {
	Fingerprint alert.Fingerprint
	Firing      bool
	// Service is the alert's service from the catalog.
	Service string
	// Dependents are the services that depend on Service: an alert of
	// Service may join their open incident (Aurora CPU during an API
	// incident).
	Dependents []string
}

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
	incident.Flush
	// AckedBy and AckedAt record who acknowledged the incident.
	AckedBy string    `json:"ackedBy,omitempty"`
	AckedAt time.Time `json:"ackedAt,omitzero"`
	// Escalated lists receivers the incident was escalated to; they
	// receive every later notification of the group too.
	Escalated []string `json:"escalated,omitempty"`
}

// GroupSummary is what the group of an incident holds now, as the Now
// board shows it: counts rather than the members themselves.
type GroupSummary struct {
	// Found is false once the incident is over or its group formed
	// again as a newer incident (as for Engine.GroupOf); the other
	// fields are then empty.
	Found bool
	// Members counts the group's alerts, Firing those of them firing.
	Members, Firing int
	// Sources are the members' sources, sorted, each once.
	Sources []alert.Source
	// Escalated lists receivers the incident was escalated to.
	Escalated []string
	// Title is the summary (alert.Summary) of the member whose
	// fingerprint sorts first, for an incident recorded without a title;
	// "" when the incident has one.
	Title string
}

// ErrLeaseLost is returned by CompleteFlush when the lease expired and the
// group was claimed by someone else; the caller must not deliver.
var ErrLeaseLost = errors.New("group lease lost")

// ErrNotFound is returned for an unknown silence or group.
var ErrNotFound = errors.New("not found")

// SilenceRetention is how long an expired silence stays listed.
const SilenceRetention = 7 * 24 * time.Hour

// DefaultIncidentRetention is how long incidents are kept.
const DefaultIncidentRetention = 30 * 24 * time.Hour
