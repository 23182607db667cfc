package router

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alertgate/alertgate/internal/logbuf"
	"github.com/alertgate/alertgate/router/store"
	"github.com/alertgate/alertgate/router/store/redis"
	"github.com/alertgate/alertgate/router/store/redis/redistest"
)

// redisStore connects a new Redis store to srv with short timeouts, so a
// stopped server is noticed quickly.
func redisStore(t *testing.T, srv *redistest.Server, prefix string) *redis.Store {
	t.Helper()
	client, err := redis.NewClient(redis.Config{Address: srv.Addr(), DialTimeout: 200 * time.Millisecond, ReadTimeout: 500 * time.Millisecond, WriteTimeout: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	s := redis.New(client, prefix, store.Options{})
	t.Cleanup(func() { s.Close() })
	return s
}

func TestFailOpen_RedisDownStillDeliversAndDedupResumesAfterRestart(t *testing.T) {
	srv := redistest.Start(t)
	h := newReplica(t, testConfig, nil, redisStore(t, srv, "failopen:"), &logbuf.Buffer{})
	labels := func(n string) map[string]string { return map[string]string{"alertname": n, "severity": "warning"} }
	t0 := h.now()

	h.post(amPath, "am-token", amAlert("firing", t0, labels("BeforeOutage")))
	h.deliver()
	if n := len(h.logLines("notification")); n != 1 {
		t.Fatalf("before the outage: %d notifications, want 1", n)
	}

	srv.Stop()
	code, resp := h.post(amPath, "am-token", amAlert("firing", t0, labels("DuringOutage")))
	if code != 200 || resp["notify"].(float64) != 1 {
		t.Fatalf("during the outage: %d %v, want the alert accepted (fail open)", code, resp)
	}
	h.deliver()
	sent := h.logLines("notification")
	if len(sent) != 2 || sent[1]["title"] != "s" {
		t.Fatalf("during the outage: %v, want the alert delivered through the local outbox", sent)
	}
	if got := h.counter("alertgate_degraded_alerts_total"); got != 1 {
		t.Errorf("degraded alerts = %v, want 1", got)
	}

	srv.Restart()
	h.advance(time.Minute)
	for range 2 {
		if code, _ := h.post(amPath, "am-token", amAlert("firing", t0, labels("AfterRestart"))); code != 200 {
			t.Fatalf("after the restart: %d", code)
		}
	}
	h.deliver()
	if got := h.counter("alertgate_alerts_decided_total", "action", "suppress", "reason", "duplicate"); got != 1 {
		t.Errorf("after the restart the second copy was not deduplicated: duplicates = %v", got)
	}
	// The alert delivered during the outage is told to the store once it
	// answers (so that its resolve will resolve its page), and notifies
	// once more: the price of failing open, never a lost resolve.
	if n := len(h.logLines("notification")); n != 4 {
		t.Errorf("after the restart: %d notifications in all, want 4", n)
	}
}

// An alert paged while Redis was down must have its page resolved when
// it resolves, whether its resolve reaches the store before the replica
// has told the store about the page or after.
func TestFailOpen_ResolveOfAnAlertPagedWhileRedisWasDownResolvesThePage(t *testing.T) {
	for _, order := range []string{"resolve first", "reconcile first"} {
		t.Run(order, func(t *testing.T) {
			srv := redistest.Start(t)
			h := newReplica(t, testConfig, nil, redisStore(t, srv, "reconcile:"), &logbuf.Buffer{})
			labels := map[string]string{"alertname": "PagedDuringOutage", "severity": "warning"}
			t0 := h.now()
			srv.Stop()
			if code, resp := h.post(amPath, "am-token", amAlert("firing", t0, labels)); code != 200 || resp["degraded"] != float64(1) {
				t.Fatalf("during the outage: %d %v, want the alert delivered degraded", code, resp)
			}
			h.deliver()
			srv.Restart()
			waitReady(t, h)
			h.advance(time.Minute)
			if order == "reconcile first" {
				h.deliver()
			}
			resolved := amAlert("resolved", t0, labels)
			if code, resp := h.post(amPath, "am-token", resolved); code != 200 || resp["degraded"] != nil {
				t.Fatalf("the resolve: %d %v, want it decided by the store", code, resp)
			}
			h.advance(5 * time.Minute) // the group's group_interval
			h.deliver()
			var kinds []string
			for _, n := range h.logLines("notification") {
				kinds = append(kinds, n["kind"].(string))
			}
			if len(kinds) == 0 || kinds[len(kinds)-1] != "resolve" {
				t.Errorf("notifications %v, want the page resolved last", kinds)
			}
		})
	}
}

func TestEscalation_ExactlyOnePageAcrossReplicasOnRedis(t *testing.T) {
	srv := redistest.Start(t)
	logs := &logbuf.Buffer{}
	a := newReplica(t, policyConfig, nil, redisStore(t, srv, "esc:"), logs)
	b := newReplica(t, policyConfig, nil, redisStore(t, srv, "esc:"), logs)
	t0 := jst("2026-01-13 14:00")
	for _, h := range []*harness{a, b} {
		h.set(t0)
	}
	crit := map[string]string{"alertname": "HighErrorRate", "severity": "critical"}
	a.post(amPath, "am-token", amAlert("firing", t0, crit))
	b.post(amPath, "am-token", amAlert("firing", t0, crit)) // the HA twin, at the other replica
	var wg sync.WaitGroup
	for _, h := range []*harness{a, b} {
		wg.Go(h.deliver)
	}
	wg.Wait()
	if got := sentTo(a); got["slack:team/trigger"] != 1 || len(got) != 1 {
		t.Fatalf("at t0: %v, want one Slack message", got)
	}
	for _, h := range []*harness{a, b} {
		h.set(t0.Add(15 * time.Minute))
		wg.Go(h.deliver)
	}
	wg.Wait()
	if got := sentTo(a); got["pagerduty:oncall/trigger"] != 1 {
		t.Errorf("after 15 minutes: %v, want exactly one page from two replicas", got)
	}
}

// waitReady polls /-/ready until the store answers again: go-redis
// reconnects on demand, and the first command after a restart may still
// find a connection to the old process.
func waitReady(t *testing.T, h *harness) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(string(h.adminGet("/-/ready")), `"ready"`) {
		if time.Now().After(deadline) {
			t.Fatal("the store did not answer within 30 s of its restart")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
