package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

// examplePolicy is config/alertgate.yml, the policy alertgate ships
// with, as an operator would deploy it: on the world's Redis, delivering
// for real to the fakes, with credentials from the environment. Only the
// barrier route and receiver are added. The file is edited as a YAML
// node tree, so that every other value reaches alertgate as written.
func (w *world) examplePolicy() gateOptions {
	w.t.Helper()
	raw, err := os.ReadFile(filepath.Join(moduleRoot, "config", "alertgate.yml"))
	if err != nil {
		w.t.Fatal(err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		w.t.Fatalf("config/alertgate.yml: %v", err)
	}
	root := doc.Content[0]
	set(w.t, root, "store", fmt.Sprintf(`{backend: redis, redis: {address: %q, prefix: "e2e:"}}`, w.redis.Addr()))
	set(w.t, root, "notify", fmt.Sprintf(`{pagerduty: {url: %q, per_key_rate: 500}, slack: {api_url: %q, token: "${SLACK_BOT_TOKEN}", signing_secret: "${SLACK_SIGNING_SECRET}", per_channel_interval: 1ms}}`,
		w.pd.URL(), w.slack.APIURL()))
	// Signature verification cannot be skipped when delivering for real.
	set(w.t, lookup(w.t, root, "sources", "cloudwatch"), "skip_signature_verification", "false")
	set(w.t, lookup(w.t, root, "enrich"), "runbooks_dir", fmt.Sprintf("%q", filepath.Join(moduleRoot, "runbooks")))
	receivers := lookup(w.t, root, "receivers")
	receivers.Content = append(receivers.Content, parse(w.t, fmt.Sprintf(`{name: barrier, slack: {channel: %q}}`, barrierChannel)))
	routes := lookup(w.t, root, "route", "routes")
	// Barriers sound at any hour: the example's quiet hours are for people.
	// Nor are they ever chronic: a flush pass that began before the test
	// moved the clock back reads the barrier as days old.
	routes.Content = append([]*yaml.Node{parse(w.t, `{matchers: ['e2e_barrier="true"'], receiver: barrier, group_by: [alertname], group_wait: 0s, noise: {sound_time_intervals: [], chronic: {after: 0s, sounds_per_day: 0}}}`)}, routes.Content...)
	out, err := yaml.Marshal(&doc)
	if err != nil {
		w.t.Fatal(err)
	}
	return gateOptions{config: string(out), env: map[string]string{
		"ALERTGATE_ADMIN_TOKEN":           adminToken,
		"ALERTGATE_ALERTMANAGER_TOKEN":    amToken,
		"ALERTGATE_NEWRELIC_TOKEN":        nrToken,
		"ALERTGATE_PAGERDUTY_ROUTING_KEY": routingKey,
		"SLACK_BOT_TOKEN":                 slackToken,
		"SLACK_SIGNING_SECRET":            slackSecret,
	}}
}

// lookup returns the node at path in the mapping m.
func lookup(t *testing.T, m *yaml.Node, path ...string) *yaml.Node {
	t.Helper()
	for _, k := range path {
		v := value(m, k)
		if v == nil {
			t.Fatalf("config/alertgate.yml has nothing at %s", strings.Join(path, "."))
		}
		m = v
	}
	return m
}

func value(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// set replaces (or adds) key in the mapping m with the YAML value v.
func set(t *testing.T, m *yaml.Node, key, v string) {
	t.Helper()
	n := parse(t, v)
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			m.Content[i+1] = n
			return
		}
	}
	m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: key}, n)
}

// parse returns the node of a YAML value.
func parse(t *testing.T, v string) *yaml.Node {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(v), &doc); err != nil {
		t.Fatalf("%s: %v", v, err)
	}
	return doc.Content[0]
}

// jst is a wall-clock time in Tokyo.
func jst(s string) time.Time {
	loc, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		panic(err)
	}
	t, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		panic(err)
	}
	return t
}

// The example policy's group_wait.
const policyGroupWait = 10 * time.Second

func TestExamplePolicy_CriticalAtTwoPMOnAWeekdayGoesToSlackAndAtThreeAMPages(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	g := startGate(t, w.examplePolicy())

	// Tuesday 1 December 2026, 14:00 in Tokyo: business hours.
	day := jst("2026-12-01 14:00")
	w.setClock(g, day)
	api := labels("alertname", "HighErrorRate", "severity", "critical", "service", "api")
	g.ingest("alertmanager", amToken, amBody("firing", day, api), nil)
	g.advance(policyGroupWait + time.Second)
	waitFor(t, "the business-hours message in #alerts-platform", func() (bool, string) {
		n := len(w.slack.Messages("#alerts-platform"))
		return n == 1, fmt.Sprintf("%d messages", n)
	})
	w.settle(g)
	if n, m := len(w.pd.Events()), len(w.slack.Messages("#alerts-oncall")); n+m != 0 {
		t.Fatalf("at 14:00 JST on a weekday: %d PagerDuty events and %d #alerts-oncall messages, want Slack only", n, m)
	}
	// It recovers before the evening.
	g.ingest("alertmanager", amToken, amBody("resolved", day, api), nil)

	// Wednesday 03:00 in Tokyo: out of hours.
	night := jst("2026-12-02 03:00")
	w.setClock(g, night)
	payments := labels("alertname", "HighErrorRate", "severity", "critical", "service", "payments")
	g.ingest("alertmanager", amToken, amBody("firing", night, payments), nil)
	g.advance(policyGroupWait + time.Second)
	waitFor(t, "the 03:00 page", func() (bool, string) {
		tr := countTriggers(w.pd.Events())
		return tr.total == 1 && len(w.slack.Messages("#alerts-oncall")) == 1,
			fmt.Sprintf("%d pages, %d #alerts-oncall messages", tr.total, len(w.slack.Messages("#alerts-oncall")))
	})
	w.settle(g)
	ev := w.pd.Events()
	if len(ev) != 1 || ev[0].Action != "trigger" || !strings.Contains(fmt.Sprint(ev[0].Payload.CustomDetails["members"]), "payments") {
		t.Errorf("PagerDuty events %v, want one trigger for the payments alert", actions(ev))
	}
	if n := len(w.slack.Messages("#alerts-platform")); n != 1 {
		t.Errorf("#alerts-platform has %d messages, want only the 14:00 one", n)
	}
}

func TestExamplePolicy_UnacknowledgedSlackAlertEscalatesToPagerDuty(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	g := startGate(t, w.examplePolicy())
	t0 := jst("2026-12-01 14:00")
	w.setClock(g, t0)
	g.ingest("alertmanager", amToken, amBody("firing", t0, labels("alertname", "HighErrorRate", "severity", "critical", "service", "api")), nil)
	g.advance(policyGroupWait + time.Second)
	waitFor(t, "the Slack message", func() (bool, string) {
		return len(w.slack.Messages("#alerts-platform")) == 1, "not yet"
	})
	notified := g.now()

	g.advance(14 * time.Minute) // escalate.after is 15m
	w.settle(g)
	if n := len(w.pd.Events()); n != 0 {
		t.Fatalf("paged %d times 14 minutes after the Slack message, want no page before 15", n)
	}

	g.advance(notified.Add(15*time.Minute + 5*time.Second).Sub(g.now()))
	waitFor(t, "the escalation page", func() (bool, string) {
		return len(w.pd.Events()) >= 1 && len(w.slack.Messages("#alerts-oncall")) == 1,
			fmt.Sprintf("%d PagerDuty events, %d #alerts-oncall messages", len(w.pd.Events()), len(w.slack.Messages("#alerts-oncall")))
	})
	w.settle(g)
	tr := countTriggers(w.pd.Events())
	if len(w.pd.Events()) != 1 || tr.byName["HighErrorRate"] != 1 {
		t.Errorf("PagerDuty events %v (%v), want exactly one escalation page", actions(w.pd.Events()), tr.byName)
	}
	if text := slackText(w.slack.Messages("#alerts-oncall")[0]); !strings.Contains(text, "nobody acknowledged") {
		t.Errorf("the escalated message does not say why: %s", text)
	}
}

// setClock sets g's clock and waits until the flush passes that read the
// old time are over: a pass that began before the jump would otherwise
// flush the alerts that follow at the old time (out of business hours,
// say, when the real time is).
func (w *world) setClock(g *gate, at time.Time) {
	w.t.Helper()
	g.setClock(at)
	w.settle(g)
}
