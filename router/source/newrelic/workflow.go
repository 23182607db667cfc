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
// variable's own name and is what edited templates tend to use.
type workflow struct {
	IssueID             source.FlexString          `json:"issueId"`
	ID                  source.FlexString          `json:"id"`
	IssueURL            source.FlexString          `json:"issueUrl"`
	Title               source.FlexString          `json:"title"`
	Priority            source.FlexString          `json:"priority"`
	State               source.FlexString          `json:"state"`
	IsCorrelated        source.FlexBool            `json:"isCorrelated"`
	CreatedAt           source.FlexTime            `json:"createdAt"`
	UpdatedAt           source.FlexTime            `json:"updatedAt"`
	ClosedAt            source.FlexTime            `json:"closedAt"`
	ImpactedEntities    source.FlexStrings         `json:"impactedEntities"`
	EntitiesData        entitiesData               `json:"entitiesData"`
	AlertPolicyNames    source.FlexStrings         `json:"alertPolicyNames"`
	AlertConditionNames source.FlexStrings         `json:"alertConditionNames"`
	WorkflowName        source.FlexString          `json:"workflowName"`
	AccountID           source.FlexString          `json:"accountId"`
	RunbookURL          source.FlexString          `json:"runbookUrl"`
	Description         source.FlexString          `json:"description"`
	Accumulations       map[string]json.RawMessage `json:"accumulations"`
}

// entitiesData is the template variable of the same name, rendered whole
// or in parts.
type entitiesData struct {
	Names    source.FlexStrings `json:"names"`
	IDs      source.FlexStrings `json:"ids"`
	GUIDs    source.FlexStrings `json:"guids"`
	Types    source.FlexStrings `json:"types"`
	Entities []struct {
		ID   source.FlexString `json:"id"`
		GUID source.FlexString `json:"guid"`
		Name source.FlexString `json:"name"`
		Type source.FlexString `json:"type"`
	} `json:"entities"`
}

func (w *workflow) alert(now time.Time) (alert.Alert, error) {
	status, state, err := parseState("state", string(w.State))
	if err != nil {
		return alert.Alert{}, err
	}
	acc := parseAccumulations(w.Accumulations)
	conditions := orElse(w.AlertConditionNames, acc.conditionNames)
	policies := orElse(w.AlertPolicyNames, acc.policyNames)
	entities := w.entityNames()
	fp, ok := fingerprint("issue", w.issueID(), conditions, entities)
	if !ok {
		return alert.Alert{}, source.BadRequest("issueId", "no issueId, id, alertConditionNames or impactedEntities to identify the issue by")
	}
	a := alert.Alert{
		Source:       alert.SourceNewRelic,
		Name:         name(first(conditions), string(w.Title), first(policies)),
		Status:       status,
		Severity:     prioritySeverity(string(w.Priority)),
		StartsAt:     firstTime(w.CreatedAt.Time, now),
		GeneratorURL: string(w.IssueURL),
		SourceURL:    string(w.IssueURL),
		Fingerprint:  fp,
		SourceID:     strings.TrimSpace(w.issueID()),
		Labels:       map[string]string{},
		Annotations:  map[string]string{},
	}
	if status == alert.StatusResolved {
		a.EndsAt = firstTime(w.ClosedAt.Time, w.UpdatedAt.Time, now)
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
	names := orElse(w.ImpactedEntities, w.EntitiesData.Names)
	if len(names) > 0 {
		return names
	}
	for _, e := range w.EntitiesData.Entities {
		if e.Name != "" {
			names = append(names, string(e.Name))
		}
	}
	return names
}

func (w *workflow) setLabels(l map[string]string, condition, policy, entity string) {
	d := &w.EntitiesData
	var guid, typ string
	if len(d.Entities) > 0 {
		guid = firstOf(string(d.Entities[0].GUID), string(d.Entities[0].ID))
		typ = string(d.Entities[0].Type)
	}
	put(l, "priority", strings.ToLower(string(w.Priority)), alert.MaxLabelValueLen)
	put(l, "policy", policy, alert.MaxLabelValueLen)
	put(l, "condition", condition, alert.MaxLabelValueLen)
	put(l, "entity", entity, alert.MaxLabelValueLen)
	put(l, "entity_guid", firstOf(first(d.IDs), first(d.GUIDs), guid), alert.MaxLabelValueLen)
	put(l, "entity_type", firstOf(first(d.Types), typ), alert.MaxLabelValueLen)
	put(l, "account_id", firstOf(string(w.AccountID), accountFromURL(string(w.IssueURL))), alert.MaxLabelValueLen)
	put(l, "workflow", string(w.WorkflowName), alert.MaxLabelValueLen)
}

func (w *workflow) setAnnotations(m map[string]string, state string, acc accumulations) {
	put(m, "summary", string(w.Title), alert.MaxAnnotationLen)
	put(m, "description", firstOf(string(w.Description), first(acc.descriptions)), alert.MaxAnnotationLen)
	put(m, "issue_url", string(w.IssueURL), alert.MaxAnnotationLen)
	put(m, "runbook_url", firstOf(string(w.RunbookURL), first(acc.runbookURLs)), alert.MaxAnnotationLen)
	put(m, annotationState, state, alert.MaxAnnotationLen)
	if w.IsCorrelated {
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
