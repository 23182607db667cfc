package router

import (
	"bytes"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/alertgate/alertgate/router/source/cloudwatch/snstest"
)

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

const (
	amPath = "/api/v1/alerts/alertmanager"
	nrPath = "/api/v1/alerts/newrelic"
	cwPath = "/api/v1/alerts/cloudwatch"
)

func TestIngest_AlertmanagerGroupNotifiesOnceAndHATwinIsSuppressed(t *testing.T) {
	h := newHarness(t, testConfig, nil)
	body := readFile(t, "source/alertmanager/testdata/firing_group.json")

	code, resp := h.post(amPath, "am-token", body)
	if code != http.StatusOK || resp["status"] != "ok" {
		t.Fatalf("first delivery: %d %v", code, resp)
	}
	accepted := resp["accepted"].(float64)
	if accepted < 1 || resp["notify"].(float64) != accepted {
		t.Fatalf("first delivery = %v, want every alert accepted and notified", resp)
	}
	h.deliver()
	sent := h.logLines("notification")
	if len(sent) != 2 {
		t.Fatalf("%d notifications logged, want 2 (one incident to pagerduty and slack of receiver oncall): %v", len(sent), sent)
	}
	for _, n := range sent {
		if n["kind"] != "trigger" || n["status"] != "firing" || n["members"].(float64) != accepted || n["summary"] == "" {
			t.Errorf("notification = %v, want a firing trigger with every alert and a summary", n)
		}
	}
	if sent[0]["incident"] != sent[1]["incident"] {
		t.Errorf("targets got different incidents: %v / %v", sent[0]["incident"], sent[1]["incident"])
	}

	// The other Alertmanager of the HA pair sends the same group.
	code, resp = h.post(amPath, "am-token", body)
	if code != http.StatusOK || resp["suppressed"].(float64) != accepted || resp["notify"].(float64) != 0 {
		t.Fatalf("HA twin: %d %v, want every alert suppressed", code, resp)
	}
	h.deliver()
	if n := len(h.logLines("notification")); n != 2 {
		t.Errorf("%d notifications after the HA twin, want still 2", n)
	}
	if got := h.counter("alertgate_alerts_decided_total", "source", "alertmanager", "action", "suppress", "reason", "duplicate"); got != accepted {
		t.Errorf("duplicate decisions = %v, want %v", got, accepted)
	}
	if got := h.counter("alertgate_requests_total", "source", "alertmanager", "outcome", "accepted"); got != 2 {
		t.Errorf("accepted requests = %v, want 2", got)
	}
}

func TestIngest_NewRelicIssueLifecycleIsOneIncident(t *testing.T) {
	h := newHarness(t, testConfig, nil)
	var incidents []any
	for _, f := range []string{"workflow_created.json", "workflow_closed.json"} {
		code, resp := h.post(nrPath, "nr-token", readFile(t, "source/newrelic/testdata/"+f))
		if code != http.StatusOK {
			t.Fatalf("%s: %d %v", f, code, resp)
		}
		h.advance(5 * time.Minute)
		h.deliver()
	}
	for _, n := range h.logLines("notification") {
		incidents = append(incidents, n["incident"])
	}
	if len(incidents) < 2 {
		t.Fatalf("notifications = %v, want a trigger and a resolve", h.logLines("notification"))
	}
	for _, i := range incidents {
		if i != incidents[0] {
			t.Errorf("issue lifecycle spread over incidents %v", incidents)
		}
	}
	last := h.logLines("notification")
	if k := last[len(last)-1]["kind"]; k != "resolve" {
		t.Errorf("last notification kind = %v, want resolve", k)
	}
}

func TestIngest_BadInputIsRejectedWithAReason(t *testing.T) {
	big := bytes.Repeat([]byte(" "), 2<<20)
	big[0] = '{'
	type badCase struct {
		name   string
		path   string
		token  string
		body   []byte
		code   int
		field  string
		reason string // substring
	}
	var tests []badCase
	for _, ep := range []struct{ path, token, wrongTypes, field string }{
		{amPath, "am-token", `{"version":"4","status":"firing","alerts":[{"labels":"oops"}]}`, "alerts[0].labels"},
		{nrPath, "nr-token", `{"issueId":["x"],"state":"CREATED","title":"t"}`, "issueId"},
	} {
		tests = append(tests,
			badCase{"empty body", ep.path, ep.token, nil, 400, "", "empty body"},
			badCase{"truncated JSON", ep.path, ep.token, []byte(`{"alerts": [`), 400, "", "JSON"},
			badCase{"wrong types", ep.path, ep.token, []byte(ep.wrongTypes), 400, ep.field, ""},
			badCase{"2 MiB body", ep.path, ep.token, big, 413, "", "larger than 1048576 bytes"},
			badCase{"missing auth", ep.path, "", []byte(`{}`), 401, "", "missing bearer token"},
			badCase{"wrong token", ep.path, "not-the-token", []byte(`{}`), 401, "", "invalid bearer token"},
		)
	}
	tests = append(tests,
		badCase{"empty body", cwPath, "", nil, 400, "", "empty body"},
		badCase{"truncated JSON", cwPath, "", []byte(`{"Type": "Notif`), 400, "", "JSON"},
		badCase{"wrong types", cwPath, "", []byte(`{"Type": 42}`), 400, "Type", ""},
		badCase{"2 MiB body", cwPath, "", big, 413, "", "larger than"},
		badCase{"unsigned message", cwPath, "", []byte(`{"Type":"Notification","MessageId":"m","TopicArn":"arn:aws:sns:ap-northeast-1:123456789012:alarms","Message":"{}","Timestamp":"2026-03-04T05:00:00.000Z","SignatureVersion":"1","Signature":"","SigningCertURL":""}`), 403, "", ""},
	)
	for _, tt := range tests {
		t.Run(strings.TrimPrefix(tt.path, "/api/v1/alerts/")+"/"+tt.name, func(t *testing.T) {
			h := newHarness(t, testConfig, nil)
			code, resp := h.post(tt.path, tt.token, tt.body)
			if code != tt.code {
				t.Fatalf("status = %d (%v), want %d", code, resp, tt.code)
			}
			reason, _ := resp["error"].(string)
			if reason == "" || !strings.Contains(reason, tt.reason) {
				t.Errorf("error = %q, want a reason containing %q", reason, tt.reason)
			}
			if field, _ := resp["field"].(string); tt.field != "" && field != tt.field {
				t.Errorf("field = %q, want %q", field, tt.field)
			}
			src := strings.TrimPrefix(tt.path, "/api/v1/alerts/")
			if got := h.counter("alertgate_requests_total", "source", src, "outcome", outcomeFor(tt.code)); got != 1 {
				t.Errorf("alertgate_requests_total{outcome=%q} = %v, want 1", outcomeFor(tt.code), got)
			}
			if got := h.counter("alertgate_requests_total", "source", src, "outcome", "accepted"); got != 0 {
				t.Errorf("a rejected request was counted as accepted")
			}
		})
	}
}

func TestHealthReadyAndMetrics(t *testing.T) {
	h := newHarness(t, testConfig, nil)
	for path, want := range map[string]int{"/-/healthy": 200, "/-/ready": 200, "/metrics": 200, "/nope": 404} {
		resp, err := http.Get(h.srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("GET %s = %d, want %d", path, resp.StatusCode, want)
		}
	}
	h.rt.SetReady(false)
	resp, err := http.Get(h.srv.URL + "/-/ready")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("ready while shutting down = %d, want 503", resp.StatusCode)
	}
	resp, err = http.Get(h.srv.URL + amPath)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET on a webhook = %d, want 405", resp.StatusCode)
	}
}

func TestIngest_CloudWatchAlarmThroughSNSIsVerifiedAndResolves(t *testing.T) {
	sns := snstest.New(t)
	h := newHarness(t, testConfig, sns)
	h.clock = time.Now() // the test certificate is valid from now on
	const topic = "arn:aws:sns:ap-northeast-1:123456789012:alarms"

	code, resp := h.post(cwPath, "", sns.SignedBody(snstest.SubscriptionConfirmation(topic), "2"))
	if code != http.StatusOK || !strings.Contains(resp["note"].(string), "confirmed") || len(sns.Confirmations()) != 1 {
		t.Fatalf("subscription: %d %v, confirmations %v", code, resp, sns.Confirmations())
	}
	alarm := snstest.Alarm{Name: "alb-5xx", Time: h.now()}
	for _, state := range []string{"ALARM", "OK"} {
		alarm.State = state
		alarm.Time = alarm.Time.Add(time.Minute)
		code, resp = h.post(cwPath, "", sns.SignedBody(snstest.AlarmNotification(topic, alarm), "1"))
		if code != http.StatusOK || resp["notify"].(float64) != 1 {
			t.Fatalf("%s: %d %v", state, code, resp)
		}
		h.advance(5 * time.Minute)
		h.deliver()
	}
	sent := h.logLines("notification")
	if len(sent) != 2 || sent[0]["kind"] != "trigger" || sent[1]["kind"] != "resolve" || sent[0]["incident"] != sent[1]["incident"] {
		t.Errorf("notifications = %v, want a trigger then a resolve of one incident", sent)
	}

	other := snstest.AlarmNotification(topic, alarm)
	other.SigningCertURL = "https://sns.ap-northeast-1.amazonaws.com.evil.example/cert.pem"
	if code, _ := h.post(cwPath, "", sns.SignedBody(other, "2")); code != http.StatusForbidden {
		t.Errorf("certificate on a foreign host: %d, want 403", code)
	}
	for _, u := range sns.Requests() {
		if strings.Contains(u, "evil") {
			t.Errorf("alertgate fetched %s", u)
		}
	}
}

// Rejected requests are logged sampled, so that junk from anyone who can
// reach alertgate cannot fill the disk; every one is still counted.
func TestIngest_RejectionsAreLoggedSampledButAllCounted(t *testing.T) {
	h := newHarness(t, testConfig, nil)
	const junk = 50
	for range junk {
		if code, _ := h.post(amPath, "wrong-token", []byte(`{}`)); code != http.StatusUnauthorized {
			t.Fatalf("wrong token: %d, want 401", code)
		}
	}
	if got := len(h.logLines("webhook rejected")); got != rejectBurst {
		t.Errorf("%d of %d rejections logged, want %d per %s", got, junk, rejectBurst, rejectWindow)
	}
	if got := h.counter("alertgate_requests_total", "source", "alertmanager", "outcome", "unauthorized"); got != junk {
		t.Errorf("counted %v rejections, want %d", got, junk)
	}
	// The next window's first line says how many were left out.
	h.advance(rejectWindow)
	h.post(amPath, "wrong-token", []byte(`{}`))
	lines := h.logLines("webhook rejected")
	if last := lines[len(lines)-1]; len(lines) != rejectBurst+1 || last["suppressed"] != float64(junk-rejectBurst) {
		t.Errorf("after the window: %d lines, last %v; want one more saying %d were suppressed", len(lines), last, junk-rejectBurst)
	}
	// Kinds are sampled apart: a flood of bad tokens does not hide a
	// sender whose payloads are malformed.
	h.post(nrPath, "nr-token", []byte(`{"state": "SNOOZED", "id": "x"}`))
	if got := len(h.logLines("webhook rejected")); got != rejectBurst+2 {
		t.Errorf("a rejection of another kind was not logged (%d lines)", got)
	}
}

func TestIngest_AnswerNamesTheFieldsItIgnored(t *testing.T) {
	h := newHarness(t, testConfig, nil)
	code, resp := h.post(nrPath, "nr-token", readFile(t, "source/newrelic/testdata/legacy_custom_template.json"))
	if code != http.StatusOK || resp["accepted"] != float64(1) {
		t.Fatalf("%d %v, want the alert accepted", code, resp)
	}
	ignored, _ := resp["ignored"].([]any)
	if len(ignored) != 1 || ignored[0].(map[string]any)["field"] != "targets" {
		t.Errorf("ignored = %v, want targets named", resp["ignored"])
	}
}
