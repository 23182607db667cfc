package e2e

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/alertgate/alertgate/router/notify/pagerduty/pdtest"
	"github.com/alertgate/alertgate/router/source/cloudwatch/snstest"
)

func TestCloudWatch_AlarmThroughSNSTriggersThenResolvesOnTheSameDedupKey(t *testing.T) {
	t.Parallel()
	w := newWorld(t).withSNS()
	g := w.start("alertgate", setup{})

	// SNS confirms the subscription before it delivers anything.
	confirm := snstest.SubscriptionConfirmation(topicARN)
	g.ingest("cloudwatch", "", w.sns.SignedBody(confirm, "1"), confirm.Header())
	if got := w.sns.Confirmations(); !slices.Equal(got, []string{confirm.SubscribeURL}) {
		t.Fatalf("confirmations = %v, want the SubscribeURL visited once", got)
	}

	alarm := func(state string) *snstest.Message {
		return snstest.AlarmNotification(topicARN, snstest.Alarm{
			Name: "e2e-api-alb-5xx", Description: "severity: critical", State: state,
			Namespace: "AWS/ApplicationELB", Metric: "HTTPCode_Target_5XX_Count",
			Dimensions: []snstest.Dimension{{Name: "LoadBalancer", Value: "app/e2e-alb/50dc6c495c0c9188"}},
			Time:       time.Now(),
		})
	}
	firing := alarm("ALARM")
	body := w.sns.SignedBody(firing, "2")
	g.ingest("cloudwatch", "", body, firing.Header())
	waitFor(t, "the alarm's trigger", func() (bool, string) {
		return len(w.pd.Events()) == 1, fmt.Sprintf("%d PagerDuty events", len(w.pd.Events()))
	})
	// SNS delivers at least once: the same message again is a duplicate.
	if a := g.ingest("cloudwatch", "", body, firing.Header()); a.Notify != 0 {
		t.Errorf("SNS redelivery of the same message: %+v, want nothing new to notify", a)
	}

	ok := alarm("OK")
	g.ingest("cloudwatch", "", w.sns.SignedBody(ok, "2"), ok.Header())
	g.advance(61 * time.Second) // a resolve waits for group_interval
	waitFor(t, "the alarm's resolve", func() (bool, string) {
		return len(w.pd.Events()) >= 2, fmt.Sprintf("%d PagerDuty events", len(w.pd.Events()))
	})
	w.settle(g)

	ev := w.pd.Events()
	if len(ev) != 2 || ev[0].Action != "trigger" || ev[1].Action != "resolve" {
		t.Fatalf("PagerDuty events %v, want a trigger then a resolve", actions(ev))
	}
	key := ev[0].DedupKey
	if ev[1].DedupKey != key || w.pd.Incident(key) != pdtest.StateResolved {
		t.Errorf("resolve on %q, trigger on %q, incident %s; want the resolve on the trigger's dedup_key", ev[1].DedupKey, key, w.pd.Incident(key))
	}
	if names := pdAlertnames(ev[0]); len(names) != 1 || names[0] != "e2e-api-alb-5xx" {
		t.Errorf("trigger lists alerts %v, want the alarm", names)
	}
	if msgs := w.slack.Messages("#oncall"); len(msgs) != 1 {
		t.Errorf("#oncall has %d messages, want the alarm's one", len(msgs))
	}
	// Everything alertgate fetched was an SNS URL: the certificate and
	// the SubscribeURL, each from the SNS host of the topic's region.
	for _, u := range w.sns.Served() {
		if !strings.HasPrefix(u, "https://sns.ap-northeast-1.amazonaws.com/") {
			t.Errorf("alertgate fetched %s", u)
		}
	}
}

func actions(ev []pdtest.Event) []string {
	var out []string
	for _, e := range ev {
		out = append(out, e.Action)
	}
	return out
}

// incidentDetail is the part of GET /api/v1/incidents/{id} the tests read.
type incidentDetail struct {
	ID       string `json:"id"`
	Receiver string `json:"receiver"`
	Title    string `json:"title"`
	Status   string `json:"status"`
	AckedBy  string `json:"ackedBy"`
	Timeline []struct {
		Type   string `json:"type"`
		Alert  string `json:"alert"`
		Target string `json:"target"`
		Actor  string `json:"actor"`
		Detail string `json:"detail"`
	} `json:"timeline"`
}

// incidents lists the incidents of the last days, but the barriers'.
func (g *gate) incidents() []incidentDetail {
	g.t.Helper()
	var list []incidentDetail
	g.admin(http.MethodGet, "/api/v1/incidents?since=30d", nil, http.StatusOK, &list)
	return slices.DeleteFunc(list, func(d incidentDetail) bool { return d.Receiver == "barrier" })
}

func (g *gate) incident(id string) incidentDetail {
	g.t.Helper()
	var d incidentDetail
	g.admin(http.MethodGet, "/api/v1/incidents/"+id, nil, http.StatusOK, &d)
	return d
}

// newRelicRoutes escalate New Relic issues from the team's Slack channel
// to PagerDuty after 15 minutes without an acknowledgement.
var newRelicRoutes = []string{
	`- matchers: ['source="newrelic"']
      receiver: team
      escalate: {after: 15m, receiver: page}`,
}

func TestNewRelic_IssueCreatedAcknowledgedClosedIsOneIncidentAndTheAckStopsEscalation(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	g := w.start("alertgate", setup{routes: newRelicRoutes})
	t0 := g.now()
	acked := func(state string, at time.Time) []byte {
		return nrIssue("e2e-issue-acked", "High error rate", state, t0, at)
	}
	// A second issue nobody acknowledges shows that escalation runs.
	unacked := nrIssue("e2e-issue-ignored", "Slow checkout", "CREATED", t0, t0)

	g.ingest("newrelic", nrToken, acked("CREATED", t0), nil)
	g.ingest("newrelic", nrToken, unacked, nil)
	waitFor(t, "both issues in #team", func() (bool, string) {
		n := len(w.slack.Messages("#team"))
		return n == 2, fmt.Sprintf("%d messages", n)
	})
	g.ingest("newrelic", nrToken, acked("ACKNOWLEDGED", g.now()), nil)

	g.advance(16 * time.Minute)
	waitFor(t, "the unacknowledged issue to escalate", func() (bool, string) {
		return len(w.pd.Events()) > 0, "no page yet"
	})
	w.settle(g)
	tr := countTriggers(w.pd.Events())
	if tr.total != 1 || tr.byName["Slow checkout"] != 1 {
		t.Errorf("pages %v, want only the unacknowledged issue escalated", tr.byName)
	}

	g.ingest("newrelic", nrToken, acked("CLOSED", g.now()), nil)
	g.advance(2 * time.Minute) // past group_interval
	var msg string
	waitFor(t, "the closed issue resolved in Slack", func() (bool, string) {
		for _, m := range w.slack.Messages("#team") {
			if text := slackText(m); strings.Contains(text, "e2e-issue-acked") { // the issue's link
				msg = text
				return strings.Contains(strings.ToLower(text), "resolved"), "no resolve yet: " + text
			}
		}
		var texts []string
		for _, m := range w.slack.Messages("#team") {
			texts = append(texts, slackText(m))
		}
		return false, fmt.Sprintf("no message for the issue in %q", texts)
	})
	w.settle(g)
	if n := len(w.slack.Messages("#team")); n != 2 {
		t.Errorf("#team has %d top-level messages, want one per issue", n)
	}

	var ids []string
	for _, inc := range g.incidents() {
		d := g.incident(inc.ID)
		if strings.Contains(fmt.Sprintf("%+v", d.Timeline), "High error rate") {
			ids = append(ids, inc.ID)
			if d.AckedBy != "New Relic" || d.Status != "resolved" {
				t.Errorf("incident %s: ackedBy %q, status %q; want acknowledged by New Relic and resolved\ntimeline: %+v", inc.ID, d.AckedBy, d.Status, d.Timeline)
			}
		}
	}
	if len(ids) != 1 {
		t.Errorf("the issue became %d incidents %v, want 1 (message: %s)", len(ids), ids, msg)
	}
}
