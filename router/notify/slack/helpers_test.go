package slack_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/config"
	"github.com/alertgate/alertgate/router/notify"
	"github.com/alertgate/alertgate/router/notify/slack"
	"github.com/alertgate/alertgate/router/notify/slack/slacktest"
	"github.com/alertgate/alertgate/router/store"
	"github.com/alertgate/alertgate/router/store/memory"
)

const token = "xoxb-test-token-1234"

// t0 is when the incidents in these tests start.
var t0 = time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)

// fixture is a notifier wired to a fake Slack and a memory store.
type fixture struct {
	slack   *slacktest.Server
	n       *slack.Notifier
	threads *memory.Store
	logs    *bytes.Buffer
}

type option func(*slack.Config)

// receivers: "team" posts to #alerts, "ops" to #ops, "hook" to the fake's
// incoming webhook.
func newFixture(t testing.TB, opts ...option) *fixture {
	t.Helper()
	return newFixtureOn(t, newSlack(t), opts...)
}

// newSlack starts the fake Slack of newFixture.
func newSlack(t testing.TB) *slacktest.Server { return slacktest.New(t, token, "#alerts", "#ops") }

// newFixtureOn is newFixture with the fake given: a test in a synctest
// bubble starts the fake outside it, where its listener's socket cannot
// keep the bubble's clock from advancing. The notifier reaches the fake
// in memory.
func newFixtureOn(t testing.TB, sl *slacktest.Server, opts ...option) *fixture {
	t.Helper()
	f := &fixture{slack: sl, threads: memory.New(store.Options{}), logs: &bytes.Buffer{}}
	cfg := slack.Config{
		APIURL: f.slack.APIURL(),
		Token:  token,
		Channel: func(receiver string) (string, config.Secret, bool) {
			switch receiver {
			case "team":
				return "#alerts", "", true
			case "ops":
				return "#ops", "", true
			case "hook":
				return "", config.Secret(f.slack.WebhookURL()), true
			case "missing":
				return "#nope", "", true
			}
			return "", "", false
		},
		Threads:            f.threads,
		PerChannelInterval: -1,
		HTTPClient:         f.slack.Client(),
		Logger:             slog.New(slog.NewTextHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	for _, o := range opts {
		o(&cfg)
	}
	f.n = slack.New(cfg)
	return f
}

func (f *fixture) notify(t testing.TB, nt *notify.Notification) {
	t.Helper()
	if err := f.n.Notify(context.Background(), nt); err != nil {
		t.Fatalf("Notify(%s seq %d) = %v", nt.Kind, nt.Seq, err)
	}
}

// member returns a firing alert of the HighErrorRate kind on instance i.
func member(i int, change string) notify.Member {
	a := alert.Alert{
		Source:       alert.SourceAlertmanager,
		Name:         "HighErrorRate",
		Status:       alert.StatusFiring,
		Severity:     alert.SeverityCritical,
		Labels:       map[string]string{"service": "api", "namespace": "prod", "instance": fmt.Sprintf("10.0.0.%d:9100", i)},
		Annotations:  map[string]string{"summary": "5xx above 5%"},
		StartsAt:     t0.Add(time.Duration(i) * time.Minute),
		GeneratorURL: "https://prometheus.example.com/graph?g0.expr=rate(x%5B5m%5D)&g0.tab=1",
		SourceURL:    "https://alertmanager.example.com",
		Fingerprint:  alert.NewFingerprint(alert.SourceAlertmanager, fmt.Sprint(i)),
	}
	a.Normalize()
	return notify.Member{Alert: a, Change: change}
}

func resolved(m notify.Member, at time.Time) notify.Member {
	m.Status = alert.StatusResolved
	m.EndsAt = at
	m.Change = "resolved"
	return m
}

// incident returns a notification for incident "inc-1" to receiver team.
func incident(kind notify.Kind, seq int64, members ...notify.Member) *notify.Notification {
	nt := &notify.Notification{
		ID:          fmt.Sprintf("inc-1/%d/slack:team", seq),
		Incident:    "inc-1",
		Seq:         seq,
		Kind:        kind,
		Target:      notify.Target{Type: "slack", Receiver: "team"},
		Status:      alert.StatusResolved,
		Title:       "HighErrorRate on api",
		GroupLabels: map[string]string{"alertname": "HighErrorRate", "service": "api"},
		Members:     members,
		Enrichment: notify.Enrichment{
			Summary:       "The api returns 5xx for 7% of requests since the 10:00 deploy.",
			SummarySource: "llm",
			OnCall:        "Hanako Yamada",
			Runbook: &notify.Runbook{
				ID: "api-5xx", Title: "API 5xx", URL: "https://runbooks.example.com/api-5xx",
				Steps: []string{"Check the deploy", "Roll back", "Page the owner", "Write it up"},
			},
		},
		CreatedAt: t0.Add(35 * time.Minute),
	}
	for _, m := range members {
		if m.Status == alert.StatusFiring {
			nt.Status = alert.StatusFiring
			nt.Severity = nt.Severity.Max(m.Severity)
		}
	}
	return nt
}

// strings returns every string of the messages and their replies.
func allStrings(ms []slacktest.Message) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Strings()...)
		out = append(out, allStrings(m.Replies)...)
	}
	return out
}

func containsAny(ss []string, sub string) bool {
	for _, s := range ss {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

func actionIDs(m slacktest.Message) []string {
	var out []string
	for _, b := range m.Buttons() {
		if strings.HasPrefix(b.ActionID, "alertgate_link_") {
			continue // link buttons: TestNotify_LinkButtons
		}
		out = append(out, b.ActionID)
	}
	return out
}
