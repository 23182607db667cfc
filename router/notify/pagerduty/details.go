package pagerduty

import (
	"fmt"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/router/notify"
)

// Bounds on the custom details, so that a storm incident of hundreds of
// alerts still makes one event well under PagerDuty's size limit.
const (
	maxMembers         = 50
	maxAnnotationBytes = 1024
	maxTextBytes       = 8 << 10
	maxItems           = 20
	maxItemBytes       = 1024
	maxNameBytes       = 256
)

// details are the event's custom_details: what the person paged reads
// first (summary, runbook, on-call), then the members.
type details struct {
	// Incident is the incident's ID, as the console, the log and
	// postmortem show it; Group is the dedup_key's group.
	Incident      string   `json:"incident"`
	Group         string   `json:"group,omitempty"`
	URL           string   `json:"console_url,omitempty"`
	Kind          string   `json:"kind"`
	Summary       string   `json:"summary,omitempty"`
	SummarySource string   `json:"summary_source,omitempty"`
	Runbook       *runbook `json:"runbook,omitempty"`
	OnCall        string   `json:"on_call,omitempty"`
	Notes         []string `json:"notes,omitempty"`
	AckedBy       string   `json:"acked_by,omitempty"`
	Firing        int      `json:"firing"`
	Resolved      int      `json:"resolved"`
	Members       []member `json:"members,omitempty"`
	// More says how many members are not listed ("and 450 more").
	More string `json:"more_members,omitempty"`

	total int
}

type runbook struct {
	Title string   `json:"title,omitempty"`
	URL   string   `json:"url,omitempty"`
	Steps []string `json:"steps,omitempty"`
}

// member is one alert of the incident as the details list it.
type member struct {
	Alertname    string            `json:"alertname"`
	Status       alert.Status      `json:"status"`
	Severity     alert.Severity    `json:"severity"`
	Change       string            `json:"change,omitempty"`
	Flapping     bool              `json:"flapping,omitempty"`
	Labels       map[string]string `json:"labels,omitempty"`
	Annotations  map[string]string `json:"annotations,omitempty"`
	StartsAt     string            `json:"startsAt,omitempty"`
	EndsAt       string            `json:"endsAt,omitempty"`
	Source       alert.Source      `json:"source"`
	GeneratorURL string            `json:"generatorURL,omitempty"`
}

func newDetails(nt *notify.Notification) *details {
	e := nt.Enrichment
	d := &details{
		Incident:      nt.Occurrence(),
		Group:         nt.Incident,
		URL:           nt.URL,
		Kind:          string(nt.Kind),
		Summary:       alert.Truncate(e.Summary, maxTextBytes),
		SummarySource: e.SummarySource,
		OnCall:        alert.Truncate(e.OnCall, maxNameBytes),
		Notes:         boundedList(nt.Notes),
		AckedBy:       alert.Truncate(nt.AckedBy, maxNameBytes),
		Firing:        firingCount(nt),
		total:         len(nt.Members),
	}
	d.Resolved = d.total - d.Firing
	if rb := e.Runbook; rb != nil {
		d.Runbook = &runbook{
			Title: alert.Truncate(firstNonEmpty(rb.Title, rb.ID), maxItemBytes),
			URL:   rb.URL,
			Steps: boundedList(rb.Steps),
		}
	}
	n := min(len(nt.Members), maxMembers)
	d.Members = make([]member, n)
	for i := range n {
		d.Members[i] = newMember(&nt.Members[i])
	}
	d.setMore()
	return d
}

func newMember(m *notify.Member) member {
	return member{
		Alertname:    firstNonEmpty(m.Labels[alert.LabelAlertName], m.Name),
		Status:       m.Status,
		Severity:     m.Severity,
		Change:       m.Change,
		Flapping:     m.Flapping,
		Labels:       m.Labels,
		Annotations:  boundedAnnotations(m.Annotations),
		StartsAt:     formatTime(m.StartsAt),
		EndsAt:       formatTime(m.EndsAt),
		Source:       m.Source,
		GeneratorURL: m.GeneratorURL,
	}
}

// shrink lists half as many members; it reports false when none are left
// to drop.
func (d *details) shrink() bool {
	if len(d.Members) == 0 {
		return false
	}
	d.Members = d.Members[:len(d.Members)/2]
	d.setMore()
	return true
}

func (d *details) setMore() {
	d.More = ""
	if hidden := d.total - len(d.Members); hidden > 0 {
		d.More = fmt.Sprintf("and %d more", hidden)
	}
}

// overflow replaces the details when even the members' absence does not
// make the event fit: the summary survives, with a note saying why the
// rest is missing.
func (d *details) overflow(size int) map[string]any {
	out := map[string]any{
		"error": fmt.Sprintf("custom details removed: the event was %d bytes, more than alertgate's limit of %d", size, maxEventBytes),
	}
	if d != nil {
		out["incident"] = alert.Truncate(d.Incident, maxItemBytes)
		out["summary"] = alert.Truncate(d.Summary, maxItemBytes)
		out["firing"] = d.Firing
	}
	return out
}

// boundedAnnotations truncates long annotation values, copying the map
// only when one needs it.
func boundedAnnotations(a map[string]string) map[string]string {
	long := false
	for _, v := range a {
		if len(v) > maxAnnotationBytes {
			long = true
			break
		}
	}
	if !long {
		return a
	}
	out := make(map[string]string, len(a))
	for k, v := range a {
		out[k] = alert.Truncate(v, maxAnnotationBytes)
	}
	return out
}

// boundedList keeps at most maxItems items of at most maxItemBytes each.
func boundedList(items []string) []string {
	if len(items) == 0 {
		return nil
	}
	out := make([]string, 0, min(len(items), maxItems+1))
	for i, s := range items {
		if i == maxItems {
			out = append(out, fmt.Sprintf("(and %d more)", len(items)-maxItems))
			break
		}
		out = append(out, alert.Truncate(s, maxItemBytes))
	}
	return out
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}
