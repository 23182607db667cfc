package incident

import "time"

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
	// Incident is the incident the silence was made from, if any: its
	// timeline records the silence and its expiry.
	Incident string `json:"incident,omitempty"`
}

// Active reports whether the silence mutes at t.
func (s *Silence) Active(t time.Time) bool { return !t.Before(s.StartsAt) && t.Before(s.EndsAt) }

// Thread is where an incident's messages live at one chat target: the
// message to update and to reply under.
type Thread struct {
	// Ref is the provider's message reference (Slack's channel and ts).
	Ref string `json:"ref"`
	// Seq is the sequence number of the last notification applied there.
	Seq int64 `json:"seq"`
}
