package newrelic

import (
	"strings"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/router/source"
)

// legacy is the alert-channel webhook that predates workflows. Its ids are
// numbers in the default payload and strings in edited ones. The incident
// id and the state are what the alert cannot do without; every other
// field is Optional: edited channel templates render targets, metadata
// and counts as strings, lists or nothing at all.
type legacy struct {
	IncidentID        source.FlexString                  `json:"incident_id"`
	CurrentState      source.FlexString                  `json:"current_state"`
	AccountID         source.Optional[source.FlexString] `json:"account_id"`
	ConditionName     source.Optional[source.FlexString] `json:"condition_name"`
	Details           source.Optional[source.FlexString] `json:"details"`
	IncidentURL       source.Optional[source.FlexString] `json:"incident_url"`
	PolicyName        source.Optional[source.FlexString] `json:"policy_name"`
	PolicyURL         source.Optional[source.FlexString] `json:"policy_url"`
	RunbookURL        source.Optional[source.FlexString] `json:"runbook_url"`
	Severity          source.Optional[source.FlexString] `json:"severity"`
	Targets           source.Optional[[]target]          `json:"targets"`
	Timestamp         source.Optional[source.FlexTime]   `json:"timestamp"`
	ViolationChartURL source.Optional[source.FlexString] `json:"violation_chart_url"`
}

// target is one entity the legacy incident is about.
type target struct {
	ID      source.Optional[source.FlexString]                             `json:"id"`
	Name    source.Optional[source.FlexString]                             `json:"name"`
	Link    source.Optional[source.FlexString]                             `json:"link"`
	Labels  source.Optional[map[string]source.Optional[source.FlexString]] `json:"labels"`
	Product source.Optional[source.FlexString]                             `json:"product"`
	Type    source.Optional[source.FlexString]                             `json:"type"`
}

func (l *legacy) alert(now time.Time) (alert.Alert, error) {
	status, state, err := parseState("current_state", string(l.CurrentState))
	if err != nil {
		return alert.Alert{}, err
	}
	var t target
	if ts := l.Targets.Value; len(ts) > 0 {
		t = ts[0]
	}
	fp, ok := fingerprint("incident", string(l.IncidentID), nonEmpty(str(l.ConditionName)), l.targetNames())
	if !ok {
		return alert.Alert{}, source.BadRequest("incident_id", "no incident_id, condition_name or target name to identify the incident by")
	}
	// The legacy webhook has one timestamp: the time of the event it
	// reports, which for a closed incident is its end.
	at := firstTime(l.Timestamp.Value.Time, now)
	a := alert.Alert{
		Source:       alert.SourceNewRelic,
		Name:         name(str(l.ConditionName), str(l.PolicyName)),
		Status:       status,
		Severity:     legacySeverity(str(l.Severity)),
		StartsAt:     at,
		GeneratorURL: str(l.IncidentURL),
		SourceURL:    firstOf(str(l.IncidentURL), str(l.PolicyURL)),
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
	addExtraLabels(a.Labels, flatten(t.Labels.Value))
	return a, nil
}

func (l *legacy) targetNames() []string {
	var names []string
	for _, t := range l.Targets.Value {
		if n := str(t.Name); n != "" {
			names = append(names, n)
		}
	}
	return names
}

func (l *legacy) setLabels(m map[string]string, t target) {
	put(m, "policy", str(l.PolicyName), alert.MaxLabelValueLen)
	put(m, "condition", str(l.ConditionName), alert.MaxLabelValueLen)
	put(m, "entity", str(t.Name), alert.MaxLabelValueLen)
	put(m, "entity_guid", str(t.ID), alert.MaxLabelValueLen)
	put(m, "entity_type", str(t.Type), alert.MaxLabelValueLen)
	put(m, "account_id", str(l.AccountID), alert.MaxLabelValueLen)
}

func (l *legacy) setAnnotations(m map[string]string, state string) {
	put(m, "description", str(l.Details), alert.MaxAnnotationLen)
	put(m, "issue_url", str(l.IncidentURL), alert.MaxAnnotationLen)
	put(m, "runbook_url", str(l.RunbookURL), alert.MaxAnnotationLen)
	put(m, "chart_url", str(l.ViolationChartURL), alert.MaxAnnotationLen)
	put(m, annotationState, state, alert.MaxAnnotationLen)
}

func flatten(m map[string]source.Optional[source.FlexString]) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		if s := str(v); s != "" {
			out[k] = s
		}
	}
	return out
}
