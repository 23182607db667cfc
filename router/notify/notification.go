package notify

import (
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/config"
)

// Kind is what a notification does to the incident at its target.
type Kind string

// Notification kinds.
const (
	// KindTrigger opens the incident: a page, a new Slack message.
	KindTrigger Kind = "trigger"
	// KindUpdate reports new or changed members of an open incident.
	KindUpdate Kind = "update"
	// KindRepeat reminds that the incident is still firing.
	KindRepeat Kind = "repeat"
	// KindResolve closes the incident.
	KindResolve Kind = "resolve"
	// KindAcknowledge records that someone took the incident: PagerDuty
	// stops escalating, the Slack message shows who.
	KindAcknowledge Kind = "acknowledge"
	// KindAnnounce posts an impact announcement (Announcement) where the
	// incident is discussed: the Slack thread. PagerDuty ignores it.
	KindAnnounce Kind = "announce"
	// KindDigest sums up an open incident's churn since its last digest
	// (Why: "12 joined, 9 resolved since 14:00") in its thread, at most
	// once per the route's digest period. PagerDuty ignores it.
	KindDigest Kind = "digest"
	// KindEscalated tells the targets that show the incident that it was
	// escalated (Why says to whom), as a reply in its thread; nowhere
	// else, and PagerDuty ignores it: the escalation receiver gets the
	// incident itself.
	KindEscalated Kind = "escalated"
	// KindChronic is a channel's digest of its chronic incidents
	// (Chronic): one new message listing what keeps firing, with counts,
	// owners and runbooks, instead of a sound per incident. PagerDuty
	// ignores it.
	KindChronic Kind = "chronic"
)

// Target is one place a receiver delivers to. It holds no secret: the
// notifier for Type looks up credentials for Receiver in its own
// configuration, so outbox entries in Redis never carry routing keys or
// tokens.
type Target struct {
	// Type is the integration that delivers it.
	Type config.TargetType `json:"type"`
	// Receiver is the configured receiver the target belongs to.
	Receiver string `json:"receiver"`
}

func (t Target) String() string { return string(t.Type) + ":" + t.Receiver }

// Member is one alert of the incident, with what changed about it since
// the previous notification.
type Member struct {
	alert.Alert
	// Change is empty, or new, resolved, repeat, flapping, flap-settled.
	Change string `json:"change,omitempty"`
	// Flapping is true while the alert is flapping.
	Flapping bool `json:"flapping,omitempty"`
}

// ChronicIncident is one incident of a chronic digest: what keeps
// firing, for how long, whose it is and where its runbook is, so that
// the rule behind it can be fixed or deleted.
type ChronicIncident struct {
	// IncidentID is the incident's ID (the console's and postmortem's).
	IncidentID string `json:"incidentId"`
	Title      string `json:"title"`
	// Alert is the alert name the incident is mostly made of.
	Alert    string         `json:"alert"`
	Severity alert.Severity `json:"severity"`
	// Firing and Members count the firing alerts and all alerts now.
	Firing  int `json:"firing"`
	Members int `json:"members"`
	// Since is when the incident opened.
	Since time.Time `json:"since"`
	// Owner is the owning team: the alert's owner label, which the
	// service catalog sets for the services it knows.
	Owner string `json:"owner,omitempty"`
	// Runbook links the alert's runbook.
	Runbook string `json:"runbook,omitempty"`
	// Why says what made it chronic ("firing for 9h", "42 notifications").
	Why string `json:"why"`
	// URL is the incident's console page, "" without server.external_url.
	URL string `json:"url,omitempty"`
}

// Runbook is the part of a matched runbook a notification shows.
type Runbook struct {
	ID    string   `json:"id"`
	Title string   `json:"title"`
	URL   string   `json:"url,omitempty"`
	Steps []string `json:"steps,omitempty"`
	// Parts are the same steps with their commands apart, so that a
	// message can show a command as code, whole.
	Parts []StepPart `json:"parts,omitempty"`
	// More counts steps left out of Steps and Parts.
	More int `json:"more,omitempty"`
}

// StepPart is one runbook step: what to do and the command that does it.
type StepPart struct {
	Text    string `json:"text"`
	Command string `json:"command,omitempty"`
}

// Enrichment is what alertgate adds to an incident for the person
// reading it.
type Enrichment struct {
	Runbook *Runbook `json:"runbook,omitempty"`
	// Summary is a short explanation of the incident.
	Summary string `json:"summary,omitempty"`
	// SummarySource says who wrote Summary: "llm" or "fallback".
	SummarySource string `json:"summarySource,omitempty"`
	// OnCall is who is on call for the receiver now.
	OnCall string `json:"onCall,omitempty"`
}

// Notification is one message about one incident to one target.
type Notification struct {
	// ID identifies this notification (incident, sequence, target).
	ID string `json:"id"`
	// Incident is the incident (group) key: PagerDuty's dedup_key and the
	// key of the Slack thread.
	Incident string `json:"incident"`
	// IncidentID names this occurrence of the incident on its timeline
	// (incident.ID); empty for notifications sent while the store
	// was unreachable.
	IncidentID string `json:"incidentId,omitempty"`
	// Seq orders the notifications of one incident; a target never
	// applies an older one after a newer one.
	Seq  int64 `json:"seq"`
	Kind Kind  `json:"kind"`
	// Target is where this notification goes.
	Target Target `json:"target"`
	// Status is firing while any member fires.
	Status alert.Status `json:"status"`
	// Severity is the highest severity among firing members.
	Severity alert.Severity `json:"severity"`
	// Title is a one-line description of the incident.
	Title string `json:"title"`
	// GroupLabels are the labels all members share by construction.
	GroupLabels map[string]string `json:"groupLabels,omitempty"`
	// RouteLabels are the route's `labels`, as configured (Alertmanager
	// templates, rendered at delivery against the notification).
	RouteLabels map[string]string `json:"routeLabels,omitempty"`
	// Members are the incident's alerts, firing first.
	Members []Member `json:"members"`
	// Enrichment is the runbook, summary and on-call.
	Enrichment Enrichment `json:"enrichment"`
	// Notes are remarks the reader must see (degraded mode, fallback).
	Notes []string `json:"notes,omitempty"`
	// AckedBy is who acknowledged the incident, when known.
	AckedBy string `json:"ackedBy,omitempty"`
	// FallbackFor is the receiver this notification stands in for, after
	// delivery there failed permanently.
	FallbackFor string `json:"fallbackFor,omitempty"`
	// Announcement is the text of a KindAnnounce notification.
	Announcement string `json:"announcement,omitempty"`
	// Quiet brings what the target shows up to date without a sound:
	// Slack edits the incident's message and posts no reply, PagerDuty
	// updates an open alert, and a target that does not show the
	// incident yet is left alone. Membership churn, and everything a
	// chronic incident does, is quiet.
	Quiet bool `json:"quiet,omitempty"`
	// Why says what earns a notification its sound when that is not its
	// kind alone ("severity raised to critical", "flapping"); for a
	// KindDigest it is the digest line. Chat replies lead with it.
	Why string `json:"why,omitempty"`
	// Chronic lists the incidents of a KindChronic digest.
	Chronic []ChronicIncident `json:"chronic,omitempty"`
	// URL is the incident's page in the console (server.external_url),
	// where every notification links; empty without one.
	URL string `json:"url,omitempty"`
	// CreatedAt is when alertgate decided to send it.
	CreatedAt time.Time `json:"createdAt"`
}

// Occurrence names this occurrence of the incident: IncidentID, or the
// incident key when the occurrence is unknown. Per-occurrence state (the
// order of notifications, the Slack thread) is keyed by it, because a
// group that resolved and formed again starts a new incident under the
// same key, with its sequence numbers starting over.
func (n *Notification) Occurrence() string {
	if n.IncidentID != "" {
		return n.IncidentID
	}
	return n.Incident
}

// Firing returns the firing members.
func (n *Notification) Firing() []Member {
	var out []Member
	for _, m := range n.Members {
		if m.Status == alert.StatusFiring {
			out = append(out, m)
		}
	}
	return out
}
