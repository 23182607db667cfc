package router

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/alertgate/alertgate/router/notify/pagerduty/pdtest"
	"github.com/alertgate/alertgate/router/notify/slack/slacktest"
	"github.com/alertgate/alertgate/router/source/cloudwatch/snstest"
)

const topicARN = "arn:aws:sns:ap-northeast-1:123456789012:alarms"

// correlationConfig knows the api service under its three names:
// Prometheus labels, the load balancer's CloudWatch dimension and the
// New Relic entity; it depends on the aurora-main cluster.
func correlationConfig(pdURL, slackURL string) string {
	return `
server: {admin_token: admin-token}
sources:
  alertmanager: {token: am-token}
  newrelic: {token: nr-token}
  cloudwatch: {topic_arns: ["` + topicARN + `"]}
notify:
  pagerduty: {url: "` + pdURL + `"}
  slack: {api_url: "` + slackURL + `", token: ` + slackToken + `, signing_secret: ` + slackSecret + `, per_channel_interval: 1ms}
receivers:
  - name: oncall
    pagerduty: {routing_key: ` + routingKey + `}
    slack: {channel: "#oncall"}
  - name: team
    slack: {channel: "#team"}
services:
  - name: api
    depends_on: [aurora-main]
    match:
      - ['namespace="web"', 'app="api"']
      - ['LoadBalancer="app/web-prod-alb/50dc6c495c0c9188"']
      - ['entity="web-prod-api"']
  - name: aurora-main
    match: [['DBClusterIdentifier="web-prod-aurora"']]
  - name: search
    match: [['namespace="search"']]
correlation: {enabled: true, window: 5m}
route:
  receiver: team
  group_by: [alertname]
  group_wait: 30s
  group_interval: 1m
  routes:
    - matchers: ['severity="critical"']
      receiver: oncall
`
}

func podBatch(status string, startsAt time.Time, from, to int) []byte {
	var alerts []string
	for i := from; i < to; i++ {
		alerts = append(alerts, fmt.Sprintf(`{"status":%q,"labels":{"alertname":"HighErrorRate","namespace":"web","app":"api","pod":"api-%d","severity":"critical"},"annotations":{"summary":"5xx on api-%d"},"startsAt":%q}`,
			status, i, i, startsAt.Format(time.RFC3339)))
	}
	return []byte(`{"version":"4","status":"` + status + `","alerts":[` + strings.Join(alerts, ",") + `]}`)
}

func newRelicIssue(state string, at time.Time) []byte {
	b, _ := json.Marshal(map[string]any{
		"id": "7c1e-issue", "title": "web-prod-api error rate above 5%", "priority": "CRITICAL", "state": state,
		"impactedEntities": []string{"web-prod-api"}, "alertConditionNames": []string{"Error rate"},
		"createdAt": at.UnixMilli(), "updatedAt": at.UnixMilli(),
	})
	return b
}

func TestCorrelation_BadDeployIsOnePageAndOneSlackThread(t *testing.T) {
	pd := pdtest.New(t)
	sl := slacktest.New(t, slackToken, "#oncall", "#team")
	sns := snstest.New(t)
	h := newHarness(t, correlationConfig(pd.URL(), sl.APIURL()), sns)
	t0 := time.Now().Truncate(time.Minute) // the SNS test certificate is valid from now on
	h.set(t0)

	step := func(d time.Duration) {
		for range int(d / (10 * time.Second)) {
			h.advance(10 * time.Second)
			h.deliver()
		}
	}
	// 30 pods' 5xx alerts in three waves, each sent by both Alertmanagers
	// of the HA pair; the load balancer's alarm and New Relic's issue in
	// between; all within three minutes.
	for wave := range 3 {
		body := podBatch("firing", t0, wave*10, wave*10+10)
		for range 2 {
			if code, resp := h.post(amPath, "am-token", body); code != 200 {
				t.Fatalf("wave %d: %d %v", wave, code, resp)
			}
		}
		if wave == 1 {
			alarm := snstest.AlarmNotification(topicARN, snstest.Alarm{Name: "web-prod-alb-5xx", Description: "severity: critical", Namespace: "AWS/ApplicationELB", Metric: "HTTPCode_Target_5XX_Count",
				Dimensions: []snstest.Dimension{{Name: "LoadBalancer", Value: "app/web-prod-alb/50dc6c495c0c9188"}}, Time: h.now()})
			if code, resp := h.post(cwPath, "", sns.SignedBody(alarm, "2")); code != 200 {
				t.Fatalf("cloudwatch: %d %v", code, resp)
			}
		}
		if wave == 2 {
			if code, resp := h.post(nrPath, "nr-token", newRelicIssue("ACTIVATED", h.now())); code != 200 {
				t.Fatalf("newrelic: %d %v", code, resp)
			}
		}
		step(time.Minute)
	}
	step(2 * time.Minute)

	keys := map[string]bool{}
	var triggers int
	for _, e := range pd.Events() {
		keys[e.DedupKey] = true
	}
	for _, n := range h.logLines("incident flushed") {
		if n["receiver"] == "oncall" && n["kind"] == "trigger" {
			triggers++
		}
	}
	if len(keys) != 1 || triggers != 1 {
		t.Fatalf("PagerDuty incidents %d, trigger notifications %d; want one incident paged once", len(keys), triggers)
	}
	msgs := sl.Messages("#oncall")
	if len(msgs) != 1 {
		t.Fatalf("Slack has %d top-level messages, want 1", len(msgs))
	}
	// Later members joined silently: the message was edited to show
	// all 32 alerts, and its thread heard nothing of the churn.
	if msgs[0].Edits == 0 || !strings.Contains(string(msgs[0].Blocks), "32 firing") {
		t.Errorf("the message was edited %d times and shows %s; want it edited to 32 firing", msgs[0].Edits, msgs[0].Blocks)
	}
	if len(msgs[0].Replies) != 0 {
		t.Errorf("membership churn replied %d times in the thread, want none", len(msgs[0].Replies))
	}
	if len(sl.Messages("#team")) != 0 {
		t.Errorf("the team channel got %d messages", len(sl.Messages("#team")))
	}

	// Everything recovers: one resolve.
	for wave := range 3 {
		h.post(amPath, "am-token", podBatch("resolved", t0, wave*10, wave*10+10))
	}
	ok := snstest.AlarmNotification(topicARN, snstest.Alarm{Name: "web-prod-alb-5xx", Description: "severity: critical", State: "OK", Namespace: "AWS/ApplicationELB", Metric: "HTTPCode_Target_5XX_Count",
		Dimensions: []snstest.Dimension{{Name: "LoadBalancer", Value: "app/web-prod-alb/50dc6c495c0c9188"}}, Time: h.now()})
	h.post(cwPath, "", sns.SignedBody(ok, "2"))
	h.post(nrPath, "nr-token", newRelicIssue("CLOSED", h.now()))
	step(2 * time.Minute)
	var resolves int
	for _, e := range pd.Events() {
		if e.Action == "resolve" {
			resolves++
		}
	}
	for k := range keys {
		if resolves != 1 || pd.Incident(k) != pdtest.StateResolved {
			t.Errorf("resolves = %d, incident %s; want one resolve", resolves, pd.Incident(k))
		}
	}
}

func TestCorrelation_UnrelatedServicesStayApartAndSeverityEscalates(t *testing.T) {
	pd := pdtest.New(t)
	sl := slacktest.New(t, slackToken, "#oncall", "#team")
	h := newHarness(t, correlationConfig(pd.URL(), sl.APIURL()), nil)
	t0 := jst("2026-01-13 03:00")
	h.set(t0)
	// Two services fail in the same minute: two incidents.
	h.post(amPath, "am-token", amAlert("firing", t0, map[string]string{"alertname": "HighErrorRate", "namespace": "web", "app": "api", "severity": "critical"}))
	h.post(amPath, "am-token", amAlert("firing", t0, map[string]string{"alertname": "HighErrorRate", "namespace": "search", "severity": "critical"}))
	h.deliverFor(time.Minute, 10*time.Second)
	if n := len(pd.Events()); n != 2 || pd.Events()[0].DedupKey == pd.Events()[1].DedupKey {
		t.Fatalf("two services: %d PagerDuty events %+v, want two incidents", n, pd.Events())
	}
	// A warning incident that receives a critical member pages once.
	h.post(amPath, "am-token", amAlert("firing", t0, map[string]string{"alertname": "SlowQueries", "DBClusterIdentifier": "web-prod-aurora", "severity": "warning"}))
	h.deliverFor(time.Minute, 10*time.Second)
	before := len(pd.Events())
	if len(sl.Messages("#team")) != 1 {
		t.Fatalf("warning: %d team messages, want 1", len(sl.Messages("#team")))
	}
	for _, name := range []string{"AuroraCPUHigh", "AuroraReplicaLag"} {
		h.post(amPath, "am-token", amAlert("firing", t0, map[string]string{"alertname": name, "DBClusterIdentifier": "web-prod-aurora", "severity": "critical"}))
		h.deliverFor(90*time.Second, 10*time.Second)
	}
	var pages []string
	for _, e := range pd.Events()[before:] {
		pages = append(pages, e.Action+":"+e.DedupKey)
	}
	if len(pages) == 0 || !strings.HasPrefix(pages[0], "trigger:") {
		t.Fatalf("critical members of the warning incident: %v, want a page", pages)
	}
	for _, p := range pages[1:] {
		if p != pages[0] {
			t.Errorf("events after the page %v: want only updates of the same incident", pages)
		}
	}
}
