package router

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/alertgate/alertgate/router/notify/pagerduty/pdtest"
)

const routingKey = "R0UT1NGKEY0123456789abcdefABCDEF"

// deliveryConfig sends critical alerts to PagerDuty for real (to the fake)
// with a Slack fallback that is only logged.
func deliveryConfig(pdURL string) string {
	return `
server: {admin_token: admin-token}
sources:
  alertmanager: {token: am-token}
  newrelic: {disabled: true}
  cloudwatch: {disabled: true}
notify:
  pagerduty: {url: "` + pdURL + `"}
  outbox: {min_backoff: 1s, max_backoff: 10s}
receivers:
  - name: oncall
    pagerduty: {routing_key: ` + routingKey + `}
    fallback: team
  - name: team
    log: {}
route:
  receiver: oncall
  group_by: [alertname]
  group_wait: 0s
`
}

// deliverFor runs flush and delivery rounds, moving the clock by step,
// for the given time.
func (h *harness) deliverFor(total, step time.Duration) {
	for d := time.Duration(0); d <= total; d += step {
		h.deliver()
		h.advance(step)
	}
}

func TestDelivery_PagerDutyFailingFiveTimesDeliversExactlyOnceAfterwards(t *testing.T) {
	pd := pdtest.New(t)
	h := newHarness(t, deliveryConfig(pd.URL()), nil)
	t0 := jst("2026-01-13 03:00")
	h.set(t0)
	pd.FailNext(5, http.StatusInternalServerError, "")
	h.post(amPath, "am-token", amAlert("firing", t0, map[string]string{"alertname": "HighErrorRate", "severity": "critical"}))
	h.deliverFor(10*time.Minute, 5*time.Second)

	if got := pd.Requests(); got != 6 {
		t.Errorf("PagerDuty saw %d requests, want 5 failures and 1 success", got)
	}
	ev := pd.Events()
	if len(ev) != 1 || ev[0].Action != "trigger" || pd.Incident(ev[0].DedupKey) != pdtest.StateTriggered {
		t.Fatalf("accepted events = %+v, want exactly one trigger", ev)
	}
	if got := h.counter("alertgate_notifications_total", "target", "pagerduty", "result", "retried"); got != 5 {
		t.Errorf("retried = %v, want 5", got)
	}
	if got := h.counter("alertgate_notifications_total", "target", "pagerduty", "result", "sent"); got != 1 {
		t.Errorf("sent = %v, want 1", got)
	}

	// The same incident resolves under the same dedup_key.
	h.post(amPath, "am-token", amAlert("resolved", t0, map[string]string{"alertname": "HighErrorRate", "severity": "critical"}))
	h.deliverFor(6*time.Minute, 30*time.Second)
	ev = pd.Events()
	if len(ev) != 2 || ev[1].Action != "resolve" || ev[1].DedupKey != ev[0].DedupKey || pd.Incident(ev[0].DedupKey) != pdtest.StateResolved {
		t.Errorf("events = %+v, want the resolve on the trigger's dedup_key", ev)
	}
}

func TestDelivery_PermanentFailureIsDeadLetteredAndGoesToTheFallback(t *testing.T) {
	pd := pdtest.New(t)
	h := newHarness(t, deliveryConfig(pd.URL()), nil)
	t0 := jst("2026-01-13 03:00")
	h.set(t0)
	pd.FailNext(1, http.StatusBadRequest, "")
	h.post(amPath, "am-token", amAlert("firing", t0, map[string]string{"alertname": "DiskFull", "severity": "critical"}))
	h.deliverFor(time.Minute, 10*time.Second)

	if n := len(pd.Events()); n != 0 {
		t.Errorf("PagerDuty accepted %d events, want none after a 400", n)
	}
	req, _ := http.NewRequest(http.MethodGet, h.srv.URL+"/api/v1/deadletters", nil)
	req.Header.Set("Authorization", "Bearer admin-token")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var dl []map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&dl)
	if len(dl) != 1 || dl[0]["target"] != "pagerduty:oncall" || !strings.Contains(dl[0]["reason"].(string), "400") || dl[0]["title"] == "" {
		t.Fatalf("dead letters = %v, want the PagerDuty trigger with its 400", dl)
	}
	if strings.Contains(dl[0]["reason"].(string), routingKey) {
		t.Error("the dead letter's reason reveals the routing key")
	}
	fb := h.logLines("notification")
	if len(fb) != 1 || fb[0]["target"] != "log:team" || !strings.Contains(fmtAny(fb[0]["notes"]), "DELIVERY FAILED: pagerduty:oncall") {
		t.Errorf("fallback = %v, want the incident in the team's log target with a loud note", fb)
	}
	if got := h.counter("alertgate_dead_letters_total"); got != 1 {
		t.Errorf("dead letters counter = %v", got)
	}
}

func TestDelivery_RetryAfterIsHonoured(t *testing.T) {
	pd := pdtest.New(t)
	h := newHarness(t, deliveryConfig(pd.URL()), nil)
	t0 := jst("2026-01-13 03:00")
	h.set(t0)
	pd.FailNext(1, http.StatusTooManyRequests, "30")
	h.post(amPath, "am-token", amAlert("firing", t0, map[string]string{"alertname": "A", "severity": "critical"}))
	h.deliverFor(29*time.Second, time.Second)
	if n := len(pd.Events()); n != 0 {
		t.Fatalf("retried before Retry-After: %d events", n)
	}
	h.deliverFor(2*time.Second, time.Second)
	if n := len(pd.Events()); n != 1 {
		t.Errorf("after Retry-After: %d events, want 1", n)
	}
}

func fmtAny(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestDelivery_AnIncidentThatFormsAgainIsANewOccurrence(t *testing.T) {
	pd := pdtest.New(t)
	h := newHarness(t, deliveryConfig(pd.URL()), nil)
	t0 := jst("2026-01-13 03:00")
	h.set(t0)
	labels := map[string]string{"alertname": "HighErrorRate", "severity": "critical"}
	h.post(amPath, "am-token", amAlert("firing", t0, labels))
	h.deliverFor(time.Minute, 10*time.Second)
	// Several flushes raise the first occurrence's sequence numbers.
	h.post(amPath, "am-token", amAlert("firing", t0, map[string]string{"alertname": "HighErrorRate", "severity": "critical", "pod": "b"}))
	h.deliverFor(6*time.Minute, 30*time.Second)
	h.post(amPath, "am-token", amAlert("resolved", t0, labels))
	h.post(amPath, "am-token", amAlert("resolved", t0, map[string]string{"alertname": "HighErrorRate", "severity": "critical", "pod": "b"}))
	h.deliverFor(6*time.Minute, 30*time.Second)
	again := h.now()
	h.post(amPath, "am-token", amAlert("firing", again, labels))
	h.deliverFor(time.Minute, 10*time.Second)

	var actions []string
	for _, e := range pd.Events() {
		actions = append(actions, e.Action)
	}
	if strings.Join(actions, ",") != "trigger,trigger,resolve,trigger" {
		t.Errorf("PagerDuty saw %v, want the second occurrence's trigger delivered", actions)
	}
	if got := h.counter("alertgate_notifications_total", "target", "pagerduty", "result", "stale"); got != 0 {
		t.Errorf("%v notifications dropped as stale", got)
	}
}
