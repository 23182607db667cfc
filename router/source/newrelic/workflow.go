package newrelic

import (
	"encoding/json"
	"net/url"
	"strings"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/router/source"
)

// workflow is a workflow notification as the default webhook payload
// template renders it, plus fields users commonly add to the template.
// The default template calls the issue id "id"; "issueId" is the
// variable's own name and is what edited templates tend to use. The id
// and the state are what the alert cannot do without; every other field
// is Optional (see source.Optional), so a template that renders one of
// them oddly still pages.
type workflow struct {
	IssueID             source.FlexString                           `json:"issueId"`
	ID                  source.FlexString                           `json:"id"`
	State               source.FlexString                           `json:"state"`
	IssueURL            source.Optional[source.FlexString]          `json:"issueUrl"`
	Title               source.Optional[source.FlexString]          `json:"title"`
	Priority            source.Optional[source.FlexString]          `json:"priority"`
	IsCorrelated        source.Optional[source.FlexBool]            `json:"isCorrelated"`
	CreatedAt           source.Optional[source.FlexTime]            `json:"createdAt"`
	UpdatedAt           source.Optional[source.FlexTime]            `json:"updatedAt"`
	ClosedAt            source.Optional[source.FlexTime]            `json:"closedAt"`
	ImpactedEntities    source.Optional[source.FlexStrings]         `json:"impactedEntities"`
	EntitiesData        source.Optional[entitiesData]               `json:"entitiesData"`
	AlertPolicyNames    source.Optional[source.FlexStrings]         `json:"alertPolicyNames"`
	AlertConditionNames source.Optional[source.FlexStrings]         `json:"alertConditionNames"`
	WorkflowName        source.Optional[source.FlexString]          `json:"workflowName"`
	AccountID           source.Optional[source.FlexString]          `json:"accountId"`
	RunbookURL          source.Optional[source.FlexString]          `json:"runbookUrl"`
	Description         source.Optional[source.FlexString]          `json:"description"`
	Accumulations       source.Optional[map[string]json.RawMessage] `json:"accumulations"`
}

// entitiesData is the template variable of the same name, rendered whole
// or in parts.
type entitiesData struct {
	Names    source.Optional[source.FlexStrings] `json:"names"`
	IDs      source.Optional[source.FlexStrings] `json:"ids"`
	GUIDs    source.Optional[source.FlexStrings] `json:"guids"`
	Types    source.Optional[source.FlexStrings] `json:"types"`
	Entities source.Optional[[]entity]           `json:"entities"`
}

// entity is one element of entitiesData.entities.
type entity struct {
	ID   source.Optional[source.FlexString] `json:"id"`
	GUID source.Optional[source.FlexString] `json:"guid"`
	Name source.Optional[source.FlexString] `json:"name"`
	Type source.Optional[source.FlexString] `json:"type"`
}

func (w *workflow) alert(now time.Time) (alert.Alert, error) {
	status, state, err := parseState("state", string(w.State))
	if err != nil {
		return alert.Alert{}, err
	}
	acc := parseAccumulations(w.Accumulations.Value)
	conditions := orElse(w.AlertConditionNames.Value, acc.conditionNames)
	policies := orElse(w.AlertPolicyNames.Value, acc.policyNames)
	entities := w.entityNames()
	fp, ok := fingerprint("issue", w.issueID(), conditions, entities)
	if !ok {
		return alert.Alert{}, source.BadRequest("issueId", "no issueId, id, alertConditionNames or impactedEntities to identify the issue by")
	}
	a := alert.Alert{
		Source:       alert.SourceNewRelic,
		Name:         name(first(conditions), str(w.Title), first(policies)),
		Status:       status,
		Severity:     prioritySeverity(str(w.Priority)),
		StartsAt:     firstTime(w.CreatedAt.Value.Time, now),
		GeneratorURL: str(w.IssueURL),
		SourceURL:    str(w.IssueURL),
		Fingerprint:  fp,
		SourceID:     strings.TrimSpace(w.issueID()),
		Labels:       map[string]string{},
		Annotations:  map[string]string{},
	}
	if status == alert.StatusResolved {
		a.EndsAt = firstTime(w.ClosedAt.Value.Time, w.UpdatedAt.Value.Time, now)
	}
	w.setLabels(a.Labels, first(conditions), first(policies), first(entities))
	w.setAnnotations(a.Annotations, state, acc)
	// Tags are the user's own entity tags: they come last so that a tag
	// named severity or priority cannot override what New Relic reported.
	a.Normalize()
	addExtraLabels(a.Labels, acc.tags)
	return a, nil
}

func (w *workflow) issueID() string {
	return firstOf(string(w.IssueID), string(w.ID))
}

func (w *workflow) entityNames() []string {
	d := &w.EntitiesData.Value
	names := orElse(w.ImpactedEntities.Value, d.Names.Value)
	if len(names) > 0 {
		return names
	}
	for _, e := range d.Entities.Value {
		if n := str(e.Name); n != "" {
			names = append(names, n)
		}
	}
	return names
}

func (w *workflow) setLabels(l map[string]string, condition, policy, entity string) {
	d := &w.EntitiesData.Value
	var guid, typ string
	if es := d.Entities.Value; len(es) > 0 {
		guid = firstOf(str(es[0].GUID), str(es[0].ID))
		typ = str(es[0].Type)
	}
	put(l, "priority", strings.ToLower(str(w.Priority)), alert.MaxLabelValueLen)
	put(l, "policy", policy, alert.MaxLabelValueLen)
	put(l, "condition", condition, alert.MaxLabelValueLen)
	put(l, "entity", entity, alert.MaxLabelValueLen)
	put(l, "entity_guid", firstOf(first(d.IDs.Value), first(d.GUIDs.Value), guid), alert.MaxLabelValueLen)
	put(l, "entity_type", firstOf(first(d.Types.Value), typ), alert.MaxLabelValueLen)
	put(l, "account_id", firstOf(str(w.AccountID), accountFromURL(str(w.IssueURL))), alert.MaxLabelValueLen)
	put(l, "workflow", str(w.WorkflowName), alert.MaxLabelValueLen)
}

func (w *workflow) setAnnotations(m map[string]string, state string, acc accumulations) {
	put(m, "summary", str(w.Title), alert.MaxAnnotationLen)
	put(m, "description", firstOf(str(w.Description), first(acc.descriptions)), alert.MaxAnnotationLen)
	put(m, "issue_url", str(w.IssueURL), alert.MaxAnnotationLen)
	put(m, "runbook_url", firstOf(str(w.RunbookURL), first(acc.runbookURLs)), alert.MaxAnnotationLen)
	put(m, annotationState, state, alert.MaxAnnotationLen)
	if w.IsCorrelated.Value {
		m[annotationCorrelated] = "true"
	}
}

// accountFromURL returns the account id in an issue URL such as
// https://radar-api.service.newrelic.com/accounts/1/issues/<id>; the
// default template sends no account id of its own.
func accountFromURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return ""
	}
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	for i := 0; i+1 < len(parts); i++ {
		if parts[i] == "accounts" && isDigits(parts[i+1]) {
			return parts[i+1]
		}
	}
	return ""
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
