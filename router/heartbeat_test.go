package router

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/alertgate/alertgate/internal/logbuf"
	"github.com/alertgate/alertgate/router/store/redis/redistest"
)

func TestHeartbeat_MissingWatchdogPagesAndResolvesWhenBack(t *testing.T) {
	cfg := strings.Replace(testConfig, "sources:", "server: {admin_token: admin-token}\nsources:", 1) + `heartbeats:
  - name: watchdog
    matchers: ['alertname="Watchdog"']
    interval: 5m
    receiver: oncall
`
	h := newHarness(t, cfg, nil)
	watchdog := func() {
		t.Helper()
		if code, resp := h.post(amPath, "am-token", amAlert("firing", h.now().Add(-time.Hour), map[string]string{"alertname": "Watchdog", "severity": "none"})); code != http.StatusOK {
			t.Fatalf("watchdog: %d %v", code, resp)
		}
	}
	missing := func() []map[string]any {
		var out []map[string]any
		for _, l := range h.logLines("notification") {
			if strings.Contains(l["title"].(string), "Heartbeat watchdog missing") {
				out = append(out, l)
			}
		}
		return out
	}
	h.deliver() // arms the heartbeat
	for range 6 {
		watchdog()
		h.advance(4 * time.Minute)
		h.deliver()
	}
	if n := len(missing()); n != 0 {
		t.Fatalf("%d heartbeat pages while the watchdog arrived every 4 minutes", n)
	}
	h.advance(2 * time.Minute) // 6 minutes since the last one
	h.deliver()
	h.deliver()
	got := missing()
	if len(got) != 2 || got[0]["kind"] != "trigger" || got[0]["severity"] != "critical" {
		t.Fatalf("heartbeat pages = %v, want a critical trigger to pagerduty and slack of oncall", got)
	}
	targets := got[0]["target"].(string) + " " + got[1]["target"].(string)
	if !strings.Contains(targets, "pagerduty:oncall") {
		t.Errorf("targets %s, want the configured receiver's", targets)
	}
	h.advance(20 * time.Minute) // still missing: re-armed, no new page within the repeat interval
	h.deliver()
	h.deliver()
	if n := len(missing()); n != 2 {
		t.Errorf("%d pages while it stays missing, want 2 (repeat interval)", n)
	}
	watchdog()
	h.advance(2 * time.Minute)
	h.deliver()
	got = missing()
	if len(got) != 4 || got[2]["kind"] != "resolve" {
		t.Errorf("after the watchdog is back: %v, want the page resolved", got)
	}
	if s := string(h.adminGet("/api/v1/heartbeats")); !strings.Contains(s, `"name":"watchdog"`) || !strings.Contains(s, `"missing":false`) || !strings.Contains(s, `"lastSeen"`) ||
		!strings.Contains(s, `"state":"ok"`) || !strings.Contains(s, `"due"`) {
		t.Errorf("GET /api/v1/heartbeats = %s", s)
	}
}

func TestHeartbeat_NeverArrivingIsMissingToo(t *testing.T) {
	cfg := testConfig + `heartbeats:
  - name: cloudwatch
    source: cloudwatch
    interval: 30m
    receiver: team
`
	h := newHarness(t, cfg, nil)
	h.deliver()
	h.advance(31 * time.Minute)
	h.deliver()
	h.deliver()
	found := false
	for _, l := range h.logLines("notification") {
		if strings.Contains(l["title"].(string), "Heartbeat cloudwatch missing") && l["target"] == "slack:team" {
			found = true
		}
	}
	if !found {
		t.Errorf("no page for a source that never sent anything: %v", h.logLines("notification"))
	}
}

// TestHeartbeat_TwoReplicasOnRedisPageOnce runs the heartbeat on two
// replicas sharing a real Redis: either replica's watchdog pushes the
// shared timer back, and a missing heartbeat pages once, not once per
// replica.
func TestHeartbeat_TwoReplicasOnRedisPageOnce(t *testing.T) {
	srv := redistest.Start(t)
	cfg := testConfig + `heartbeats:
  - name: watchdog
    matchers: ['alertname="Watchdog"']
    interval: 5m
    receiver: oncall
`
	logs := &logbuf.Buffer{}
	a := newReplica(t, cfg, nil, redisStore(t, srv, "hb:"), logs)
	b := newReplica(t, cfg, nil, redisStore(t, srv, "hb:"), logs)
	both := func(f func(h *harness)) { f(a); f(b) }
	both(func(h *harness) { h.deliver() })
	for i := range 4 {
		h := []*harness{a, b}[i%2] // the watchdog reaches one replica or the other
		if code, _ := h.post(amPath, "am-token", amAlert("firing", h.now(), map[string]string{"alertname": "Watchdog"})); code != http.StatusOK {
			t.Fatal(code)
		}
		both(func(h *harness) { h.advance(4 * time.Minute); h.deliver() })
	}
	if n := countMissing(a); n != 0 {
		t.Fatalf("%d pages while the watchdog kept arriving", n)
	}
	both(func(h *harness) { h.advance(2 * time.Minute) })
	both(func(h *harness) { h.deliver() })
	both(func(h *harness) { h.deliver() })
	if n := countMissing(a); n != 2 {
		t.Errorf("%d heartbeat notifications across both replicas, want 2 (pagerduty and slack, once)", n)
	}
}

func countMissing(h *harness) int {
	n := 0
	for _, l := range h.logLines("notification") {
		if strings.Contains(l["title"].(string), "Heartbeat watchdog missing") {
			n++
		}
	}
	return n
}
