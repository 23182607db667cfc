package router

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alertgate/alertgate/internal/logbuf"
	"github.com/alertgate/alertgate/router/store"
	"github.com/alertgate/alertgate/router/store/memory"
)

// policyConfig encodes the default policy: critical alerts go to Slack in
// business hours and page if nobody acknowledges within 15 minutes; out
// of hours they page at once; night batch alerts are muted at night.
const policyConfig = `
server: {admin_token: admin-token}
sources:
  alertmanager: {token: am-token}
  newrelic: {token: nr-token}
  cloudwatch: {disabled: true}
notify: {dry_run: true}
receivers:
  - {name: team, slack: {channel: "#team"}}
  - {name: oncall, pagerduty: {routing_key: ""}}
business_hours: {location: Asia/Tokyo, holidays: jp}
time_intervals:
  - name: night
    time_intervals:
      - times: [{start_time: "01:00", end_time: "05:00"}]
        location: Asia/Tokyo
inhibit_rules:
  - source_matchers: ['alertname="KubeNodeNotReady"']
    target_matchers: ['alertname="KubePodCrashLooping"']
    equal: [node]
route:
  receiver: team
  group_by: [alertname, node]
  group_wait: 0s
  group_interval: 5m
  routes:
    - matchers: ['job_type="batch"']
      mute_time_intervals: [night]
    - matchers: ['severity="critical"']
      active_time_intervals: [alertgate:business_hours]
      escalate: {after: 15m, receiver: oncall}
      continue: true
    - matchers: ['severity="critical"']
      mute_time_intervals: [alertgate:business_hours]
      receiver: oncall
`

// amAlert is an Alertmanager webhook with one alert.
func amAlert(status string, startsAt time.Time, labels map[string]string) []byte {
	ls, _ := json.Marshal(labels)
	return fmt.Appendf(nil, `{"version":"4","status":%q,"alerts":[{"status":%q,"labels":%s,"annotations":{"summary":"s"},"startsAt":%q}]}`,
		status, status, ls, startsAt.Format(time.RFC3339))
}

func jst(s string) time.Time {
	loc, _ := time.LoadLocation("Asia/Tokyo")
	t, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		panic(err)
	}
	return t
}

// sentTo counts logged notifications per target.
func sentTo(h *harness) map[string]int {
	out := map[string]int{}
	for _, n := range h.logLines("notification") {
		out[n["target"].(string)+"/"+n["kind"].(string)]++
	}
	return out
}

func TestEscalation_SlackFirstThenExactlyOnePageAcrossReplicas(t *testing.T) {
	st := memory.New(store.Options{})
	logs := &logbuf.Buffer{}
	a := newReplica(t, policyConfig, nil, st, logs)
	b := newReplica(t, policyConfig, nil, st, logs)
	t0 := jst("2026-01-13 14:00") // Tuesday, business hours
	a.set(t0)
	b.set(t0)
	crit := map[string]string{"alertname": "HighErrorRate", "severity": "critical", "service": "api"}
	if code, resp := a.post(amPath, "am-token", amAlert("firing", t0, crit)); code != 200 {
		t.Fatalf("post: %d %v", code, resp)
	}
	a.deliver()
	b.deliver()
	if got := sentTo(a); got["slack:team/trigger"] != 1 || len(got) != 1 {
		t.Fatalf("at t0: %v, want one Slack message and no page", got)
	}

	for _, h := range []*harness{a, b} {
		h.set(t0.Add(15*time.Minute - time.Second))
		h.deliver()
	}
	if got := sentTo(a); got["pagerduty:oncall/trigger"] != 0 {
		t.Fatalf("paged before the escalation time: %v", got)
	}

	var wg sync.WaitGroup
	for _, h := range []*harness{a, b} {
		h.set(t0.Add(15 * time.Minute))
		wg.Go(h.deliver)
	}
	wg.Wait()
	if got := sentTo(a); got["pagerduty:oncall/trigger"] != 1 {
		t.Fatalf("after 15 unacknowledged minutes: %v, want exactly one page", got)
	}
	for _, h := range []*harness{a, b} {
		h.set(t0.Add(time.Hour))
		h.deliver()
	}
	if got := sentTo(a); got["pagerduty:oncall/trigger"] != 1 {
		t.Errorf("paged again later: %v", got)
	}

	// The resolve reaches the escalation receiver too.
	a.set(t0.Add(2 * time.Hour))
	a.post(amPath, "am-token", amAlert("resolved", t0, crit))
	a.deliver()
	if got := sentTo(a); got["pagerduty:oncall/resolve"] != 1 || got["slack:team/resolve"] != 1 {
		t.Errorf("resolve: %v, want it in Slack and PagerDuty", got)
	}
}

func TestEscalation_AcknowledgedBeforeTheDeadlineDoesNotPage(t *testing.T) {
	st := memory.New(store.Options{})
	h := newReplica(t, policyConfig, nil, st, &logbuf.Buffer{})
	t0 := jst("2026-01-13 14:00")
	h.set(t0)
	h.post(amPath, "am-token", amAlert("firing", t0, map[string]string{"alertname": "HighErrorRate", "severity": "critical"}))
	h.deliver()
	group := h.logLines("notification")[0]["group"].(string)
	if err := st.Acknowledge(t.Context(), group, "U42 (alice)", t0.Add(15*time.Minute-time.Second)); err != nil {
		t.Fatal(err)
	}
	h.set(t0.Add(time.Hour))
	h.deliver()
	if got := sentTo(h); got["pagerduty:oncall/trigger"] != 0 {
		t.Errorf("paged after an acknowledgement: %v", got)
	}
}

func TestRouting_CriticalOutOfHoursPagesAtOnce(t *testing.T) {
	h := newHarness(t, policyConfig, nil)
	t0 := jst("2026-01-13 03:00")
	h.set(t0)
	h.post(amPath, "am-token", amAlert("firing", t0, map[string]string{"alertname": "HighErrorRate", "severity": "critical"}))
	h.deliver()
	if got := sentTo(h); got["pagerduty:oncall/trigger"] != 1 || got["slack:team/trigger"] != 0 {
		t.Errorf("critical at 03:00: %v, want a page and no business-hours Slack message", got)
	}
}

func TestMuting_NightBatchAlertIsHeldUntilMorning(t *testing.T) {
	h := newHarness(t, policyConfig, nil)
	t0 := jst("2026-01-13 02:00")
	h.set(t0)
	h.post(amPath, "am-token", amAlert("firing", t0, map[string]string{"alertname": "NightlyExportFailed", "job_type": "batch", "severity": "warning"}))
	h.deliver()
	if got := sentTo(h); len(got) != 0 {
		t.Fatalf("batch alert at 02:00 was sent: %v", got)
	}
	if got := h.counter("alertgate_alerts_muted_total", "reason", "time_interval"); got != 1 {
		t.Errorf("muted counter = %v, want 1", got)
	}
	for _, at := range []string{"2026-01-13 03:00", "2026-01-13 04:59", "2026-01-13 05:05"} {
		h.set(jst(at))
		h.deliver()
	}
	if got := sentTo(h); got["slack:team/trigger"] != 1 {
		t.Errorf("after the night window: %v, want the batch alert delivered once", got)
	}
}

func TestInhibition_NodeDownHoldsBackItsPodsUntilItResolves(t *testing.T) {
	h := newHarness(t, policyConfig, nil)
	t0 := jst("2026-01-13 14:00")
	h.set(t0)
	node := map[string]string{"alertname": "KubeNodeNotReady", "node": "n1", "severity": "warning"}
	h.post(amPath, "am-token", amAlert("firing", t0, node))
	h.deliver()
	h.post(amPath, "am-token", amAlert("firing", t0, map[string]string{"alertname": "KubePodCrashLooping", "node": "n1", "pod": "api-1", "severity": "warning"}))
	h.post(amPath, "am-token", amAlert("firing", t0, map[string]string{"alertname": "KubePodCrashLooping", "node": "n2", "pod": "api-2", "severity": "warning"}))
	h.deliver()
	titles := func() []string {
		var out []string
		for _, n := range h.logLines("notification") {
			out = append(out, fmt.Sprint(n["fingerprints"]))
		}
		return out
	}
	if got := sentTo(h); got["slack:team/trigger"] != 2 {
		t.Fatalf("sent %v (%v), want the node alert and the pod on the other node only", got, titles())
	}
	if got := h.counter("alertgate_alerts_muted_total", "reason", "inhibited"); got != 1 {
		t.Errorf("inhibited counter = %v, want 1", got)
	}
	h.advance(10 * time.Minute)
	h.post(amPath, "am-token", amAlert("resolved", t0, node))
	h.deliver()
	h.advance(10 * time.Minute)
	h.deliver()
	if got := sentTo(h); got["slack:team/trigger"] != 3 || got["slack:team/resolve"] != 1 {
		t.Errorf("after the node recovered: %v, want the held-back pod alert delivered", got)
	}
}

func TestSilences_APICreatesListsAndExpires(t *testing.T) {
	h := newHarness(t, policyConfig, nil)
	t0 := jst("2026-01-13 14:00")
	h.set(t0)
	body := []byte(`{"matchers": ["service=\"api\"", {"name": "alertname", "value": "High.*", "isRegex": true}], "duration": "1h", "createdBy": "alice", "comment": "deploy"}`)

	for _, tok := range []string{"", "wrong"} {
		if code, _ := h.post("/api/v1/silences", tok, body); code != http.StatusUnauthorized {
			t.Errorf("silence with token %q: %d, want 401", tok, code)
		}
	}
	code, created := h.post("/api/v1/silences", "admin-token", body)
	if code != http.StatusCreated || created["status"] != "active" || created["id"] == "" {
		t.Fatalf("create: %d %v", code, created)
	}
	if m := created["matchers"].([]any); len(m) != 2 || m[1] != `alertname=~"High.*"` {
		t.Errorf("matchers = %v, want the API v2 object turned into a matcher string", m)
	}

	h.post(amPath, "am-token", amAlert("firing", t0, map[string]string{"alertname": "HighErrorRate", "service": "api", "severity": "warning"}))
	h.deliver()
	if got := sentTo(h); len(got) != 0 {
		t.Fatalf("a silenced alert was sent: %v", got)
	}

	req, _ := http.NewRequest(http.MethodDelete, h.srv.URL+"/api/v1/silences/"+created["id"].(string), nil)
	req.Header.Set("Authorization", "Bearer admin-token")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("expire: %v %v", resp, err)
	}
	resp.Body.Close()
	h.advance(5 * time.Minute)
	h.deliver()
	if got := sentTo(h); got["slack:team/trigger"] != 1 {
		t.Errorf("after the silence expired: %v, want the alert delivered", got)
	}
}

func TestSilences_BadRequestsNameTheField(t *testing.T) {
	h := newHarness(t, policyConfig, nil)
	for _, tt := range []struct{ body, field string }{
		{`{"matchers": [], "duration": "1h", "createdBy": "a"}`, "matchers"},
		{`{"matchers": ["service=~\"(\""], "duration": "1h", "createdBy": "a"}`, "matchers"},
		{`{"matchers": ["a=\"b\""], "createdBy": "a"}`, "endsAt"},
		{`{"matchers": ["a=\"b\""], "duration": "-1h", "createdBy": "a"}`, "duration"},
		{`{"matchers": ["a=\"b\""], "duration": "1h"}`, "createdBy"},
		{`{"matchers": [42], "duration": "1h", "createdBy": "a"}`, "matchers[0]"},
	} {
		code, resp := h.post("/api/v1/silences", "admin-token", []byte(tt.body))
		if code != http.StatusBadRequest || resp["field"] != tt.field {
			t.Errorf("%s: %d %v, want 400 on %s", tt.body, code, resp, tt.field)
		}
	}
	req, _ := http.NewRequest(http.MethodGet, h.srv.URL+"/api/v1/silences", nil)
	req.Header.Set("Authorization", "Bearer admin-token")
	resp, _ := http.DefaultClient.Do(req)
	var list []any
	_ = json.NewDecoder(resp.Body).Decode(&list)
	resp.Body.Close()
	if len(list) != 0 {
		t.Errorf("rejected silences were stored: %v", list)
	}
}

func TestAdminAPI_DisabledWithoutToken(t *testing.T) {
	h := newHarness(t, testConfig, nil)
	code, resp := h.post("/api/v1/silences", "anything", []byte(`{}`))
	if code != http.StatusForbidden || !strings.Contains(resp["error"].(string), "admin_token") {
		t.Errorf("admin API without a token: %d %v, want 403", code, resp)
	}
}

func TestReload_BadConfigIsRejectedAndTheOldOneKeepsRunning(t *testing.T) {
	h := newHarness(t, policyConfig, nil)
	t0 := jst("2026-01-13 03:00")
	h.set(t0)

	h.nextConfig = strings.Replace(policyConfig, "receiver: oncall\n", "receiver: nobody\n", 1)
	code, resp := h.post("/-/reload", "admin-token", nil)
	if code != http.StatusBadRequest || !strings.Contains(resp["error"].(string), `unknown receiver "nobody"`) {
		t.Fatalf("bad reload: %d %v", code, resp)
	}
	h.post(amPath, "am-token", amAlert("firing", t0, map[string]string{"alertname": "A", "severity": "critical"}))
	h.deliver()
	if got := sentTo(h); got["pagerduty:oncall/trigger"] != 1 {
		t.Fatalf("after a rejected reload: %v, want the old routing", got)
	}

	// A good configuration that sends everything to the team takes effect.
	h.nextConfig = strings.Replace(policyConfig, "      receiver: oncall\n", "      receiver: team\n", 1)
	if code, resp := h.post("/-/reload", "admin-token", nil); code != http.StatusOK {
		t.Fatalf("good reload: %d %v", code, resp)
	}
	h.post(amPath, "am-token", amAlert("firing", t0, map[string]string{"alertname": "B", "severity": "critical"}))
	h.deliver()
	if got := sentTo(h); got["pagerduty:oncall/trigger"] != 1 || got["slack:team/trigger"] != 1 {
		t.Errorf("after a good reload: %v, want B in Slack", got)
	}
	if h.counter("alertgate_config_reloads_total", "result", "failure") != 1 || h.counter("alertgate_config_reloads_total", "result", "success") != 1 {
		t.Error("reload counters do not show one failure and one success")
	}
	if code, _ := h.post("/-/reload", "", nil); code != http.StatusUnauthorized {
		t.Errorf("reload without the admin token: %d, want 401", code)
	}
}

func TestReload_NothingChangesUnlessEveryPartCompiles(t *testing.T) {
	h := newHarness(t, policyConfig, nil)
	t0 := jst("2026-01-13 03:00")
	h.set(t0)
	// The rules compile, the runbooks do not: the new routing must not
	// be applied with the old runbooks, nor the other way round.
	h.nextConfig = strings.Replace(policyConfig, "      receiver: oncall\n", "      receiver: team\n", 1) + "enrich: {runbooks_dir: " + t.TempDir() + "/missing}\n"
	if code, resp := h.post("/-/reload", "admin-token", nil); code != http.StatusBadRequest || !strings.Contains(resp["error"].(string), "runbooks_dir") {
		t.Fatalf("reload with missing runbooks: %d %v, want it rejected naming runbooks_dir", code, resp)
	}
	h.post(amPath, "am-token", amAlert("firing", t0, map[string]string{"alertname": "A", "severity": "critical"}))
	h.deliver()
	if got := sentTo(h); got["pagerduty:oncall/trigger"] != 1 || got["slack:team/trigger"] != 0 {
		t.Errorf("after a reload rejected for its runbooks: %v, want the old routing", got)
	}
}

func TestEscalation_NewRelicAcknowledgementStopsItAndIsRecorded(t *testing.T) {
	h := newHarness(t, policyConfig, nil)
	t0 := jst("2026-01-13 14:00")
	h.set(t0)
	issue := func(state string) []byte {
		return fmt.Appendf(nil, `{"id":"nr-1","title":"api error rate","priority":"CRITICAL","state":%q,"impactedEntities":["api"],"alertConditionNames":["Error rate"],"createdAt":%d}`, state, t0.UnixMilli())
	}
	h.post(nrPath, "nr-token", issue("CREATED"))
	h.deliver()
	h.advance(5 * time.Minute)
	h.post(nrPath, "nr-token", issue("ACKNOWLEDGED"))
	h.post(nrPath, "nr-token", issue("ACKNOWLEDGED")) // New Relic re-sends it
	h.deliver()
	h.set(t0.Add(time.Hour))
	h.deliver()
	if got := sentTo(h); got["pagerduty:oncall/trigger"] != 0 || got["slack:team/acknowledge"] != 1 {
		t.Errorf("notifications = %v, want no page and one acknowledgement in Slack", got)
	}
	var list []map[string]any
	_ = json.Unmarshal(h.adminGet("/api/v1/incidents?since=30d"), &list)
	if len(list) != 1 || list[0]["ackedBy"] != "New Relic" {
		t.Errorf("incidents = %v, want acknowledged by New Relic", list)
	}
}
