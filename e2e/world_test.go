package e2e

import (
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alertgate/alertgate/router/notify/pagerduty/pdtest"
	"github.com/alertgate/alertgate/router/notify/slack/slacktest"
	"github.com/alertgate/alertgate/router/source/cloudwatch/snstest"
	"github.com/alertgate/alertgate/router/store/redis/redistest"
)

// Credentials of the fakes, as the configurations name them.
const (
	routingKey  = "e2e0routing0key0e2e0routing0key0" // 32 alphanumerics, as PagerDuty wants
	slackToken  = "xoxb-e2e-bot-token"
	slackSecret = "e2e-slack-signing-secret"
	topicARN    = "arn:aws:sns:ap-northeast-1:123456789012:alertgate-e2e"
)

// Slack channels the fake knows: the test configurations' and the
// example configuration's.
var channels = []string{"#team", "#oncall", barrierChannel, "#alerts-platform", "#alerts-oncall", "#batch-jobs"}

// barrierChannel receives the barrier alerts (see world.settle).
const barrierChannel = "#e2e-barrier"

// world is what one test runs against: a real redis-server and the fakes
// of PagerDuty and Slack, and, when the test asks, of SNS and an LLM.
type world struct {
	t     *testing.T
	redis redisServer
	pd    *pdtest.Server
	slack *slacktest.Server
	sns   *snstest.Signer

	barriers atomic.Int64
}

func newWorld(t *testing.T) *world {
	t.Helper()
	return newWorldOn(t, redistest.Start(t))
}

// newWorldOn is a world on a given Redis.
func newWorldOn(t *testing.T, redis redisServer) *world {
	t.Helper()
	return &world{
		t:     t,
		redis: redis,
		pd:    pdtest.New(t),
		slack: slacktest.New(t, slackToken, channels...),
	}
}

// withSNS adds the fake SNS (a throwaway CA and signing certificate).
func (w *world) withSNS() *world {
	w.sns = snstest.New(w.t)
	return w
}

// setup varies the test configuration.
type setup struct {
	// routes are the child routes after the barrier route, as YAML list
	// items indented for route.routes; nil means defaultRoutes.
	routes []string
	// outbox is the notify.outbox mapping's body.
	outbox string
	// llm is the enrich.llm mapping's body; empty means no LLM.
	llm string
	// pdURL replaces the PagerDuty fake's URL (a proxy in front of it).
	pdURL string
	// shutdown is server.shutdown_timeout.
	shutdown string
	// server adds keys to the server mapping, indented by two spaces
	// (server.external_url, server.console).
	server string
	// heartbeats is the heartbeats list, as YAML list items; empty means
	// none.
	heartbeats string
}

// defaultRoutes send alerts labelled e2e_to to PagerDuty or Slack only,
// and other critical alerts to both.
var defaultRoutes = []string{
	`- matchers: ['e2e_to="pagerduty"']
      receiver: page`,
	`- matchers: ['e2e_to="slack"']
      receiver: team`,
	`- matchers: ['severity="critical"']
      receiver: oncall`,
}

// config renders a complete configuration on the world's Redis and
// fakes, delivering for real (no dry run).
func (w *world) config(s setup) string {
	if s.routes == nil {
		s.routes = defaultRoutes
	}
	if s.outbox == "" {
		s.outbox = "min_backoff: 1s, max_backoff: 8s, reclaim_after: 2s"
	}
	if s.pdURL == "" {
		s.pdURL = w.pd.URL()
	}
	if s.shutdown == "" {
		s.shutdown = "10s"
	}
	llm := ""
	if s.llm != "" {
		llm = "\nenrich:\n  llm: {" + s.llm + "}"
	}
	heartbeats := ""
	if s.heartbeats != "" {
		heartbeats = "heartbeats:\n" + s.heartbeats + "\n"
	}
	return fmt.Sprintf(`server:
  admin_token: %s
  shutdown_timeout: %s
%s
sources:
  alertmanager: {token: %s}
  newrelic: {token: %s}
  cloudwatch:
    topic_arns: [%q]
    auto_confirm: true
store:
  backend: redis
  redis: {address: %q, prefix: "e2e:", dial_timeout: 250ms, read_timeout: 1s, write_timeout: 1s}
notify:
  pagerduty: {url: %q, per_key_rate: 500}
  slack: {api_url: %q, token: %s, signing_secret: %s, per_channel_interval: 1ms}
  outbox: {%s}%s
receivers:
  - name: team
    slack: {channel: "#team"}
  - name: oncall
    pagerduty: {routing_key: %s}
    slack: {channel: "#oncall"}
  - name: page
    pagerduty: {routing_key: %s}
  - name: barrier
    slack: {channel: %q}
route:
  receiver: team
  group_by: [alertname]
  group_wait: 0s
  group_interval: 1m
  routes:
    %s
    %s
`, adminToken, s.shutdown, s.server, amToken, nrToken, topicARN, w.redis.Addr(), s.pdURL, w.slack.APIURL(), slackToken, slackSecret,
		s.outbox, llm, routingKey, routingKey, barrierChannel, barrierRoute, strings.Join(s.routes, "\n    ")) + heartbeats
}

// barrierRoute sends barrier alerts to their own channel at once, and
// never finds them chronic (a flush pass that began before a test moved
// the clock back reads a barrier as days old).
const barrierRoute = `- matchers: ['e2e_barrier="true"']
      receiver: barrier
      group_by: [alertname]
      group_wait: 0s
      noise: {chronic: {after: 0s, sounds_per_day: 0}}`

// start starts a replica on the world's configuration s.
func (w *world) start(name string, s setup) *gate {
	w.t.Helper()
	return startGate(w.t, gateOptions{name: name, config: w.config(s), sns: w.sns})
}

// waitTimeout bounds every wait for something alertgate should do soon.
// It is generous: CI machines are slow and run packages in parallel.
const waitTimeout = 60 * time.Second

// waitFor polls cond until it holds, and fails the test with cond's last
// explanation if it does not within waitTimeout.
func waitFor(t *testing.T, what string, cond func() (bool, string)) {
	t.Helper()
	waitForWithin(t, waitTimeout, what, cond)
}

func waitForWithin(t *testing.T, timeout time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ok, why := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waited %s for %s: %s", timeout, what, why)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// settle returns once the replicas have done everything due by now:
// each has flushed a barrier alert posted to it, twice (the second in a
// later flush pass, so the pass that was running when settle was called
// has finished, escalations included), and every outbox is empty. A test
// asserts that something did NOT happen only after settle.
func (w *world) settle(gates ...*gate) {
	w.t.Helper()
	for _, g := range gates {
		for range 2 {
			w.barrier(g)
		}
	}
	for _, g := range gates {
		waitFor(w.t, g.name+"'s outboxes to drain", g.outboxEmpty)
	}
}

// barrier posts a barrier alert to g until g itself flushes one (another
// replica may claim its group first) and waits for its Slack message.
func (w *world) barrier(g *gate) {
	w.t.Helper()
	for range 20 {
		name := fmt.Sprintf("E2EBarrier%dEnd", w.barriers.Add(1))
		g.ingest("alertmanager", amToken, amBody("firing", g.now(), labels("alertname", name, "e2e_barrier", "true", "severity", "info")), nil)
		var group string
		waitFor(w.t, "barrier "+name+" in Slack", func() (bool, string) {
			for _, m := range w.slack.Messages(barrierChannel) {
				if strings.Contains(strings.Join(m.Strings(), " "), name) {
					group = buttonValue(m, "alertgate_ack")
					return true, ""
				}
			}
			return false, "no Slack message mentions it"
		})
		flushedHere := slices.ContainsFunc(g.logRecords("incident flushed"), func(r map[string]any) bool { return r["group"] == group })
		if flushedHere {
			return
		}
	}
	w.t.Fatalf("%s never flushed one of 20 barrier alerts posted to it", g.name)
}

// buttonValue returns the value of a message's button, "" if it has none.
func buttonValue(m slacktest.Message, actionID string) string {
	for _, b := range m.Buttons() {
		if b.ActionID == actionID {
			return b.Value
		}
	}
	return ""
}

// labels builds a label set from name/value pairs.
func labels(kv ...string) map[string]string {
	m := make(map[string]string, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

// slackText is everything a Slack message shows, its replies included.
func slackText(m slacktest.Message) string {
	var b strings.Builder
	b.WriteString(strings.Join(m.Strings(), " "))
	for _, r := range m.Replies {
		b.WriteString(" ")
		b.WriteString(strings.Join(r.Strings(), " "))
	}
	return b.String()
}
