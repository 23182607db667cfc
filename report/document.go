package report

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/alertgate/alertgate/incident"
)

// Languages documents are written in.
const (
	English  = "en"
	Japanese = "ja"
)

// DocumentInput is what an announcement or a postmortem is written from.
type DocumentInput struct {
	Incident incident.Incident
	Events   []incident.Event
	// Impact is what users see, from the matched runbook; empty if none.
	Impact string
	// Now is when the document is written.
	Now time.Time
	// Location is the time zone times are shown in.
	Location *time.Location
	// Language is en or ja.
	Language string
	// Narrative optionally holds first drafts of narrative sections
	// (summary, trigger, root_cause, mitigation), written by an LLM;
	// missing sections are left as prompts.
	Narrative map[string]string
}

// document is the template data of both documents.
type document struct {
	DocumentInput
	Facts    Facts
	Status   string
	Features []string
	Alerts   []string
	Timeline []TimelineRow
	Next     time.Time
}

// TimelineRow is one line of a postmortem's timeline table.
type TimelineRow struct {
	At    time.Time
	Phase string
	What  string
}

func newDocument(in DocumentInput) (*document, error) {
	switch in.Language {
	case "":
		in.Language = English
	case English, Japanese:
	default:
		return nil, fmt.Errorf("unknown language %q: want en or ja", in.Language)
	}
	if in.Location == nil {
		in.Location = time.UTC
	}
	d := &document{DocumentInput: in, Facts: FactsOf(in.Incident, in.Events)}
	d.Facts = d.Facts.in(in.Location)
	d.Status = status(in.Incident, d.Facts)
	d.Alerts = alertNames(in.Events)
	d.Features = features(in.Incident, d.Alerts)
	d.Timeline = timeline(in.Events, in.Location)
	if d.Status != statusResolved {
		d.Next = in.Now.In(in.Location).Add(30 * time.Minute).Truncate(5 * time.Minute)
	}
	return d, nil
}

// Statuses an incident is announced with.
const (
	statusInvestigating = "investigating"
	statusResponding    = "responding"
	statusResolved      = "resolved"
)

func status(inc incident.Incident, f Facts) string {
	switch {
	case inc.Status == incident.StatusResolved:
		return statusResolved
	case !f.Acknowledged.IsZero():
		return statusResponding
	}
	return statusInvestigating
}

func features(inc incident.Incident, alerts []string) []string {
	var out []string
	if inc.Service != "" {
		out = append(out, inc.Service)
	}
	for _, k := range []string{"entity", "LoadBalancer", "DBClusterIdentifier", "namespace"} {
		if v := inc.Labels[k]; v != "" && !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	if len(out) == 0 {
		out = alerts
	}
	return out
}

// phases names the phase each event type belongs to in a postmortem.
var phases = map[incident.EventType]string{
	incident.EventOccurred:     "occurrence",
	incident.EventDetected:     "detection",
	incident.EventFlapping:     "detection",
	incident.EventSilenced:     "detection",
	incident.EventInhibited:    "detection",
	incident.EventNotified:     "response",
	incident.EventAcknowledged: "response",
	incident.EventEscalated:    "response",
	incident.EventResolved:     "recovery",
}

// timeline renders the events as table rows, collapsing repeats of the
// same event (a silenced alert is looked at every group interval).
func timeline(events []incident.Event, loc *time.Location) []TimelineRow {
	var rows []TimelineRow
	seen := map[string]bool{}
	for _, e := range events {
		key := string(e.Type) + "\x00" + string(e.Fingerprint) + "\x00" + e.Target + "\x00" + e.Detail
		if seen[key] && e.Type != incident.EventNotified {
			continue
		}
		seen[key] = true
		rows = append(rows, TimelineRow{At: e.At.In(loc), Phase: phases[e.Type], What: describe(e)})
	}
	return rows
}

func describe(e incident.Event) string {
	var b strings.Builder
	b.WriteString(string(e.Type))
	if e.Alert != "" {
		b.WriteString(": " + e.Alert)
	}
	if e.Target != "" {
		b.WriteString(" → " + e.Target)
	}
	if e.Actor != "" {
		b.WriteString(" (" + e.Actor + ")")
	}
	if e.Detail != "" && e.Type != incident.EventDetected {
		b.WriteString(" — " + e.Detail)
	}
	return strings.ReplaceAll(b.String(), "|", "\\|")
}

func (f Facts) in(loc *time.Location) Facts {
	for _, t := range []*time.Time{&f.Occurred, &f.Detected, &f.Notified, &f.Acknowledged, &f.Resolved} {
		if !t.IsZero() {
			*t = t.In(loc)
		}
	}
	return f
}

// Announcement writes the impact announcement draft.
func Announcement(in DocumentInput) (string, error) {
	return render("announcement", in)
}

// Postmortem writes the postmortem draft in Markdown.
func Postmortem(in DocumentInput) (string, error) {
	return render("postmortem", in)
}

func render(kind string, in DocumentInput) (string, error) {
	d, err := newDocument(in)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	if err := templates.ExecuteTemplate(&b, kind+"."+d.Language+".tmpl", d); err != nil {
		return "", fmt.Errorf("render %s: %w", kind, err)
	}
	return b.String(), nil
}
