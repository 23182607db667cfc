package e2e

import (
	"encoding/json"
	"maps"
	"slices"
	"time"

	"github.com/prometheus/common/model"

	"github.com/alertgate/alertgate/router/notify/pagerduty/pdtest"
)

// amBody is an Alertmanager webhook (payload version 4) of one group with
// the given alerts, all in status and starting at startsAt. A resolved
// alert ends at startsAt + 1m. Each alert carries Alertmanager's own
// fingerprint of its labels, as Alertmanager sends it.
func amBody(status string, startsAt time.Time, alerts ...map[string]string) []byte {
	type amAlert struct {
		Status       string            `json:"status"`
		Labels       map[string]string `json:"labels"`
		Annotations  map[string]string `json:"annotations"`
		StartsAt     string            `json:"startsAt"`
		EndsAt       string            `json:"endsAt"`
		GeneratorURL string            `json:"generatorURL"`
		Fingerprint  string            `json:"fingerprint"`
	}
	endsAt := "0001-01-01T00:00:00Z"
	if status == "resolved" {
		endsAt = startsAt.Add(time.Minute).UTC().Format(time.RFC3339Nano)
	}
	msg := map[string]any{
		"version":         "4",
		"receiver":        "alertgate",
		"status":          status,
		"externalURL":     "http://alertmanager.example:9093",
		"truncatedAlerts": 0,
	}
	var list []amAlert
	common := map[string]string{}
	for i, ls := range alerts {
		ls := maps.Clone(ls)
		list = append(list, amAlert{
			Status:       status,
			Labels:       ls,
			Annotations:  map[string]string{"summary": "e2e " + ls["alertname"], "description": "raised by the end-to-end suite"},
			StartsAt:     startsAt.UTC().Format(time.RFC3339Nano),
			EndsAt:       endsAt,
			GeneratorURL: "http://prometheus.example:9090/graph?g0.expr=up",
			Fingerprint:  labelSet(ls).Fingerprint().String(),
		})
		if i == 0 {
			common = maps.Clone(ls)
		}
		for k, v := range common {
			if ls[k] != v {
				delete(common, k)
			}
		}
	}
	msg["alerts"] = list
	msg["commonLabels"] = common
	msg["groupLabels"] = map[string]string{"alertname": common["alertname"]}
	msg["commonAnnotations"] = map[string]string{}
	msg["groupKey"] = `{}:{alertname="` + common["alertname"] + `"}`
	b, err := json.Marshal(msg)
	if err != nil {
		panic(err) // plain data
	}
	return b
}

func labelSet(m map[string]string) model.LabelSet {
	ls := make(model.LabelSet, len(m))
	for k, v := range m {
		ls[model.LabelName(k)] = model.LabelValue(v)
	}
	return ls
}

// nrIssue is a New Relic workflow webhook (default payload template) for
// an issue of the alert condition in state (CREATED, ACTIVATED,
// ACKNOWLEDGED, CLOSED).
func nrIssue(id, condition, state string, createdAt, updatedAt time.Time) []byte {
	msg := map[string]any{
		"id":                  id,
		"issueUrl":            "https://radar-api.service.newrelic.com/accounts/1/issues/" + id + "?notifier=WEBHOOK",
		"title":               "checkout-api (prod) error rate above 5% for 5 minutes",
		"priority":            "CRITICAL",
		"impactedEntities":    []string{"checkout-api (prod)"},
		"totalIncidents":      1,
		"state":               state,
		"trigger":             "STATE_CHANGE",
		"isCorrelated":        false,
		"createdAt":           createdAt.UnixMilli(),
		"updatedAt":           updatedAt.UnixMilli(),
		"sources":             []string{"newrelic"},
		"alertPolicyNames":    []string{"Checkout golden signals"},
		"alertConditionNames": []string{condition},
		"workflowName":        "Checkout to alertgate",
	}
	if state == "CLOSED" {
		msg["closedAt"] = updatedAt.UnixMilli()
	}
	b, err := json.Marshal(msg)
	if err != nil {
		panic(err)
	}
	return b
}

// pdAlertnames returns the alert names a PagerDuty event lists in its
// custom details.
func pdAlertnames(e pdtest.Event) []string {
	if e.Payload == nil {
		return nil
	}
	members, _ := e.Payload.CustomDetails["members"].([]any)
	var out []string
	for _, m := range members {
		if mm, ok := m.(map[string]any); ok {
			if n, ok := mm["alertname"].(string); ok {
				out = append(out, n)
			}
		}
	}
	return out
}

// triggers counts PagerDuty trigger events per dedup key and per alert
// name.
type triggers struct {
	byKey  map[string]int
	byName map[string]int
	total  int
}

func countTriggers(events []pdtest.Event) triggers {
	tr := triggers{byKey: map[string]int{}, byName: map[string]int{}}
	for _, e := range events {
		if e.Action != "trigger" {
			continue
		}
		tr.total++
		tr.byKey[e.DedupKey]++
		names := pdAlertnames(e)
		slices.Sort(names)
		for _, n := range slices.Compact(names) {
			tr.byName[n]++
		}
	}
	return tr
}

// duplicates counts triggers beyond the first per dedup key.
func (tr triggers) duplicates() int { return tr.total - len(tr.byKey) }

// missing returns the names in want that no trigger mentions.
func (tr triggers) missing(want []string) []string {
	var out []string
	for _, n := range want {
		if tr.byName[n] == 0 {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out
}

// duplicated returns the dedup keys triggered more than once, with how
// often.
func (tr triggers) duplicated() map[string]int {
	out := map[string]int{}
	for k, n := range tr.byKey {
		if n > 1 {
			out[k] = n
		}
	}
	return out
}
