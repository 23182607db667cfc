package newrelic

import (
	"strings"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/router/source"
)

// legacy is the alert-channel webhook that predates workflows. Its ids are
// numbers in the default payload and strings in edited ones.
type legacy struct {
	AccountID         source.FlexString `json:"account_id"`
	ConditionName     source.FlexString `json:"condition_name"`
	CurrentState      source.FlexString `json:"current_state"`
	Details           source.FlexString `json:"details"`
	IncidentID        source.FlexString `json:"incident_id"`
	IncidentURL       source.FlexString `json:"incident_url"`
	PolicyName        source.FlexString `json:"policy_name"`
	PolicyURL         source.FlexString `json:"policy_url"`
	RunbookURL        source.FlexString `json:"runbook_url"`
	Severity          source.FlexString `json:"severity"`
	Targets           []target          `json:"targets"`
	Timestamp         source.FlexTime   `json:"timestamp"`
	ViolationChartURL source.FlexString `json:"violation_chart_url"`
}

// target is one entity the legacy incident is about.
type target struct {
	ID      source.FlexString            `json:"id"`
	Name    source.FlexString            `json:"name"`
	Link    source.FlexString            `json:"link"`
	Labels  map[string]source.FlexString `json:"labels"`
	Product source.FlexString            `json:"product"`
	Type    source.FlexString            `json:"type"`
}

func (l *legacy) alert(now time.Time) (alert.Alert, error) {
	status, state, err := parseState("current_state", string(l.CurrentState))
	if err != nil {
		return alert.Alert{}, err
	}
	var t target
	if len(l.Targets) > 0 {
		t = l.Targets[0]
	}
	fp, ok := fingerprint("incident", string(l.IncidentID), nonEmpty(string(l.ConditionName)), l.targetNames())
	if !ok {
		return alert.Alert{}, source.BadRequest("incident_id", "no incident_id, condition_name or target name to identify the incident by")
	}
	// The legacy webhook has one timestamp: the time of the event it
	// reports, which for a closed incident is its end.
	at := firstTime(l.Timestamp.Time, now)
	a := alert.Alert{
		Source:       alert.SourceNewRelic,
		Name:         name(string(l.ConditionName), string(l.PolicyName)),
		Status:       status,
		Severity:     legacySeverity(string(l.Severity)),
		StartsAt:     at,
		GeneratorURL: string(l.IncidentURL),
		SourceURL:    firstOf(string(l.IncidentURL), string(l.PolicyURL)),
		Fingerprint:  fp,
		SourceID:     strings.TrimSpace(string(l.IncidentID)),
		Labels:       map[string]string{},
		Annotations:  map[string]string{},
	}
	if status == alert.StatusResolved {
		a.EndsAt = at
	}
	l.setLabels(a.Labels, t)
	l.setAnnotations(a.Annotations, state)
	// Target labels are the user's own entity labels: they come last so
	// that one named severity cannot override New Relic's severity.
	a.Normalize()
	addExtraLabels(a.Labels, flatten(t.Labels))
	return a, nil
}

func (l *legacy) targetNames() []string {
	var names []string
	for _, t := range l.Targets {
		if t.Name != "" {
			names = append(names, string(t.Name))
		}
	}
	return names
}

func (l *legacy) setLabels(m map[string]string, t target) {
	put(m, "policy", string(l.PolicyName), alert.MaxLabelValueLen)
	put(m, "condition", string(l.ConditionName), alert.MaxLabelValueLen)
	put(m, "entity", string(t.Name), alert.MaxLabelValueLen)
	put(m, "entity_guid", string(t.ID), alert.MaxLabelValueLen)
	put(m, "entity_type", string(t.Type), alert.MaxLabelValueLen)
	put(m, "account_id", string(l.AccountID), alert.MaxLabelValueLen)
}

func (l *legacy) setAnnotations(m map[string]string, state string) {
	put(m, "description", string(l.Details), alert.MaxAnnotationLen)
	put(m, "issue_url", string(l.IncidentURL), alert.MaxAnnotationLen)
	put(m, "runbook_url", string(l.RunbookURL), alert.MaxAnnotationLen)
	put(m, "chart_url", string(l.ViolationChartURL), alert.MaxAnnotationLen)
	put(m, annotationState, state, alert.MaxAnnotationLen)
}

func flatten(m map[string]source.FlexString) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = string(v)
	}
	return out
}
