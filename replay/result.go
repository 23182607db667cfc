package replay

import (
	"cmp"
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/router/notify"
)

// Call is one provider call a replayed configuration would have made.
// `alertgate replay --format json` prints one per line; its fields are a
// stable format (see doc.go).
type Call struct {
	// At is when the call would have been made (simulated time).
	At time.Time `json:"at"`
	// Receiver is the configured receiver.
	Receiver string `json:"receiver"`
	// Target is the integration: pagerduty, slack or log.
	Target string `json:"target"`
	// Effect is what the call does: page, page_update, page_ack,
	// page_resolve, post, reply, edit (or log).
	Effect notify.Effect `json:"effect"`
	// Incident is the incident's ID, the one the console and `alertgate
	// postmortem` accept (empty for a chronic digest, which is about many).
	Incident string `json:"incident"`
	// Kind is the notification that made the call (trigger, update,
	// repeat, resolve, acknowledge, announce, digest, escalated, chronic).
	Kind notify.Kind `json:"kind"`
	// Severity is the incident's severity.
	Severity alert.Severity `json:"severity"`
	// Title is the incident's one-line description.
	Title string `json:"title"`
	// Members are the incident's alerts as the call shows them.
	Members []Member `json:"members"`
	// Sound is true for a call that reaches people (Effect.Sounds).
	Sound bool `json:"sound"`
}

// Member is one alert of a call, enough to find it in its source.
type Member struct {
	Fingerprint alert.Fingerprint `json:"fingerprint"`
	Source      alert.Source      `json:"source"`
	// SourceID is the sender's id: Alertmanager's fingerprint, the
	// CloudWatch AlarmArn, the New Relic issue id.
	SourceID  string       `json:"source_id"`
	AlertName string       `json:"alertname"`
	Status    alert.Status `json:"status"`
}

func newCall(at time.Time, n *notify.Notification, e notify.Effect) Call {
	c := Call{
		At: at, Receiver: n.Target.Receiver, Target: string(n.Target.Type), Effect: e,
		Incident: n.IncidentID, Kind: n.Kind, Severity: n.Severity, Title: n.Title,
		Members: make([]Member, 0, len(n.Members)), Sound: e.Sounds(),
	}
	if n.Kind == notify.KindChronic {
		c.Incident = ""
	}
	for _, m := range n.Members {
		c.Members = append(c.Members, Member{Fingerprint: m.Fingerprint, Source: m.Source, SourceID: m.SourceID, AlertName: m.Name, Status: m.Status})
	}
	return c
}

// Refusal is a replayed webhook alertgate refused, and why.
type Refusal struct {
	At     time.Time    `json:"at"`
	Source alert.Source `json:"source"`
	Status int          `json:"status"`
	Reason string       `json:"reason"`
	Field  string       `json:"field,omitempty"`
}

// MaxRefusals bounds the refusals a Result lists; all are counted.
const MaxRefusals = 100

// Result is what a trace did under a configuration: counts and
// aggregates whose size depends on the hours, targets and incidents of
// the trace, never on its number of records.
type Result struct {
	Records int `json:"records"`
	// Rejected counts the webhooks refused; Refusals lists the first.
	Rejected int       `json:"rejected"`
	Refusals []Refusal `json:"refusals,omitempty"`
	// Late counts records that came after later ones by more than the
	// reorder window; they were played at the time they found.
	Late   int `json:"late,omitempty"`
	Alerts int `json:"alerts"`
	// Calls counts every provider call; Sounds those that reach people.
	Calls  int `json:"calls"`
	Sounds int `json:"sounds"`
	// Effects counts the calls by effect.
	Effects map[notify.Effect]int `json:"effects"`
	// Hours counts calls per hour ("2006-01-02 15:00" in the location)
	// and target ("slack:team-slack").
	Hours map[string]map[string]*Count `json:"hours"`
	// Incidents are the incidents that made a call, by ID.
	Incidents map[string]*Incident `json:"incidents"`
	// AlertSounds counts sounds by the alert name that leads them.
	AlertSounds map[string]int `json:"alertSounds"`

	loc *time.Location
}

// Count counts the calls to one target in one hour.
type Count struct {
	Calls  int `json:"calls"`
	Sounds int `json:"sounds"`
	Pages  int `json:"pages"`
}

// Incident is what one incident's notifications did.
type Incident struct {
	Title    string         `json:"title"`
	Severity alert.Severity `json:"severity"`
	// First is the incident's first call.
	First  time.Time `json:"first"`
	Pages  int       `json:"pages"`
	Sounds int       `json:"sounds"`
	Calls  int       `json:"calls"`
}

func newResult(loc *time.Location) *Result {
	return &Result{
		Effects: map[notify.Effect]int{}, Hours: map[string]map[string]*Count{},
		Incidents: map[string]*Incident{}, AlertSounds: map[string]int{}, loc: loc,
	}
}

func (r *Result) add(c *Call, n *notify.Notification) {
	r.Calls++
	r.Effects[c.Effect]++
	h := hour(c.At, r.loc)
	if r.Hours[h] == nil {
		r.Hours[h] = map[string]*Count{}
	}
	tc := r.Hours[h][c.Target+":"+c.Receiver]
	if tc == nil {
		tc = &Count{}
		r.Hours[h][c.Target+":"+c.Receiver] = tc
	}
	tc.Calls++
	page := c.Effect == notify.EffectPage
	if page {
		tc.Pages++
	}
	if c.Sound {
		r.Sounds++
		tc.Sounds++
		if len(n.Members) > 0 {
			r.AlertSounds[n.Members[0].Name]++
		}
	}
	if c.Incident == "" {
		return
	}
	in := r.Incidents[c.Incident]
	if in == nil {
		in = &Incident{Title: c.Title, Severity: c.Severity, First: c.At}
		r.Incidents[c.Incident] = in
	}
	in.Calls++
	if c.Sound {
		in.Sounds++
	}
	if page {
		in.Pages++
	}
	in.Severity = in.Severity.Max(c.Severity)
}

func (r *Result) refuse(at time.Time, src alert.Source, status int, body []byte) {
	r.Rejected++
	if len(r.Refusals) == MaxRefusals {
		return
	}
	var e struct {
		Error string `json:"error"`
		Field string `json:"field"`
	}
	_ = json.Unmarshal(body, &e)
	if e.Error == "" {
		e.Error = strings.TrimSpace(string(body))
	}
	r.Refusals = append(r.Refusals, Refusal{At: at, Source: src, Status: status, Reason: e.Error, Field: e.Field})
}

// Pages counts the pages: the calls that wake someone up.
func (r *Result) Pages() int { return r.Effects[notify.EffectPage] }

// Targets lists the targets that were called, in order.
func (r *Result) Targets() []string {
	seen := map[string]bool{}
	for _, hs := range r.Hours {
		for t := range hs {
			seen[t] = true
		}
	}
	return slices.Sorted(maps.Keys(seen))
}

// hour names the hour of t in loc; names sort in time order.
func hour(t time.Time, loc *time.Location) string {
	return t.In(loc).Truncate(time.Hour).Format("2006-01-02 15:00")
}

// hours lists the hours with calls, in order.
func (r *Result) hours() []string { return slices.Sorted(maps.Keys(r.Hours)) }

// paged lists the incidents that paged, most pages first.
func (r *Result) paged() []string {
	var ids []string
	for id, in := range r.Incidents {
		if in.Pages > 0 {
			ids = append(ids, id)
		}
	}
	slices.SortFunc(ids, func(a, b string) int {
		x, y := r.Incidents[a], r.Incidents[b]
		return cmp.Or(cmp.Compare(y.Pages, x.Pages), x.First.Compare(y.First), cmp.Compare(a, b))
	})
	return ids
}
