package pipeline

import (
	"context"
	"fmt"
	"time"

	"github.com/alertgate/alertgate/incident"
	"github.com/alertgate/alertgate/report"
)

// Impacter tells what users see when a runbook's problem happens.
type Impacter interface {
	Impact(runbookID string) string
}

// Narrator drafts narrative sections of incident documents (an LLM's
// summary of what happened), keyed like report.DocumentInput.Narrative.
type Narrator interface {
	Narrative(ctx context.Context, inc incident.Incident, events []incident.Event) map[string]string
}

// Documents drafted from an incident's timeline.
const (
	DocumentAnnouncement = "announcement"
	DocumentPostmortem   = "postmortem"
)

// Document drafts an announcement or a postmortem of inc in lang (en or
// ja); with an LLM, its narrative sections start from the LLM's draft.
func (e *Engine) Document(ctx context.Context, kind string, inc incident.Incident, events []incident.Event, lang string) (string, error) {
	in := report.DocumentInput{Incident: inc, Events: events, Now: e.opts.Now(), Location: e.Rules().Location(), Language: lang}
	if e.opts.Impacter != nil && inc.Runbook != "" {
		in.Impact = e.opts.Impacter.Impact(inc.Runbook)
	}
	if n, ok := e.opts.Impacter.(Narrator); ok {
		in.Narrative = n.Narrative(ctx, inc, events)
	}
	switch kind {
	case DocumentPostmortem:
		return report.Postmortem(in)
	case DocumentAnnouncement:
		return report.Announcement(in)
	}
	return "", fmt.Errorf("no document kind %q", kind)
}

// Report computes the noise report for [since, until).
func (e *Engine) Report(ctx context.Context, since, until time.Time) (report.Noise, error) {
	in, err := e.ReportInput(ctx, since, until)
	if err != nil {
		return report.Noise{}, err
	}
	return report.Build(in), nil
}

// ReportInput gathers what the noise report of [since, until) is
// computed from: the daily counters and the incidents with their
// timelines.
func (e *Engine) ReportInput(ctx context.Context, since, until time.Time) (report.Input, error) {
	st := e.opts.Store
	e.stats.flush(ctx, st, e.log)
	var days []string
	for d := since; d.Before(until); d = d.Add(24 * time.Hour) {
		days = append(days, incident.Day(d))
	}
	if last := incident.Day(until); len(days) == 0 || days[len(days)-1] != last {
		days = append(days, last)
	}
	counters, err := st.Counters(ctx, days)
	if err != nil {
		return report.Input{}, err
	}
	list, err := st.Incidents(ctx, until, since, 10000)
	if err != nil {
		return report.Input{}, err
	}
	in := report.Input{Since: since, Until: until, Counters: counters, BusinessHours: e.Rules().InBusinessHours}
	for _, inc := range list {
		_, events, _, err := st.Incident(ctx, inc.ID)
		if err != nil {
			return report.Input{}, err
		}
		in.Incidents = append(in.Incidents, report.IncidentRecord{Incident: inc, Events: events})
	}
	return in, nil
}
