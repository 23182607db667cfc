package storm

import (
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/replay"
)

// nrAccount is the New Relic account of the issues.
const nrAccount = "3942187"

// nrIssue is a New Relic issue as its workflow reports it.
type nrIssue struct {
	id        string
	title     string
	priority  string // CRITICAL, HIGH
	entity    string
	policy    string
	condition string
	created   time.Time
}

// nrWorkflow is the default webhook payload template of a New Relic
// workflow.
type nrWorkflow struct {
	ID                  string   `json:"id"`
	IssueURL            string   `json:"issueUrl"`
	Title               string   `json:"title"`
	Priority            string   `json:"priority"`
	ImpactedEntities    []string `json:"impactedEntities"`
	TotalIncidents      int      `json:"totalIncidents"`
	State               string   `json:"state"`
	Trigger             string   `json:"trigger"`
	IsCorrelated        bool     `json:"isCorrelated"`
	CreatedAt           int64    `json:"createdAt"`
	UpdatedAt           int64    `json:"updatedAt"`
	Sources             []string `json:"sources"`
	AlertPolicyNames    []string `json:"alertPolicyNames"`
	AlertConditionNames []string `json:"alertConditionNames"`
	WorkflowName        string   `json:"workflowName"`
}

// nrUpdate is one notification of an issue: its state and what
// triggered the notification.
type nrUpdate struct {
	at        time.Time
	state     string // CREATED, ACTIVATED, ACKNOWLEDGED, CLOSED
	trigger   string // STATE_CHANGE, INCIDENT_ADDED, INCIDENT_CLOSED, ...
	incidents int
	// correlated is New Relic's isCorrelated: the issue gathered
	// incidents its correlation decisions matched.
	correlated bool
}

// newRelic returns the webhooks of an issue's updates.
func (w *world) newRelic(is *nrIssue, updates []nrUpdate) []replay.Record {
	var out []replay.Record
	for _, u := range updates {
		body := nrWorkflow{
			ID:                  is.id,
			IssueURL:            "https://radar-api.service.newrelic.com/accounts/" + nrAccount + "/issues/" + is.id + "?notifier=WEBHOOK",
			Title:               is.title,
			Priority:            is.priority,
			ImpactedEntities:    []string{is.entity},
			TotalIncidents:      u.incidents,
			IsCorrelated:        u.correlated,
			State:               u.state,
			Trigger:             u.trigger,
			CreatedAt:           is.created.UnixMilli(),
			UpdatedAt:           u.at.UnixMilli(),
			Sources:             []string{"newrelic"},
			AlertPolicyNames:    []string{is.policy},
			AlertConditionNames: []string{is.condition},
			WorkflowName:        "web-prod to alertgate",
		}
		at := u.at.Add(time.Duration(1+w.rng.IntN(4)) * time.Second)
		out = append(out, record(at, alert.SourceNewRelic, nil, body))
	}
	return out
}
