package slack_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/router/notify"
	"github.com/alertgate/alertgate/router/notify/slack/slacktest"
)

// evil is alert text that tries to notify everyone and disguise a link.
const evil = "<!channel> <!here> <@U123> <!subteam^S1|team> & <https://evil|click> <#C999>"

// controlSequences must never reach Slack unescaped from alert text.
var controlSequences = []string{"<!channel", "<!here", "<@U123", "<!subteam", "<https://evil", "<#C999", "|click>"}

// evilIncident carries evil in every alert-derived field.
func evilIncident(kind notify.Kind, seq int64) *notify.Notification {
	m := member(1, "new")
	m.Name = evil
	m.Labels = map[string]string{"alertname": evil, "service": evil, "instance": evil, "pod": evil}
	m.Annotations = map[string]string{"summary": evil, "description": evil}
	m.GeneratorURL = "https://evil|click>"
	m.SourceURL = "javascript:alert(1)//<!channel>"
	m2 := member(2, "new")
	m2.Labels["instance"] = evil + "2"
	nt := incident(kind, seq, m, m2)
	nt.Title = evil
	nt.GroupLabels = map[string]string{"service": evil, evil: evil}
	nt.Enrichment = notify.Enrichment{
		Summary:       evil,
		SummarySource: evil,
		OnCall:        evil,
		Runbook:       &notify.Runbook{ID: evil, Title: evil, URL: "https://runbooks.example.com/x?a=<!here>", Steps: []string{evil, evil}},
	}
	nt.Notes = []string{evil}
	nt.AckedBy = evil
	return nt
}

func TestNotify_MentionsAndLinksInAlertTextAreEscaped(t *testing.T) {
	f := newFixture(t)
	for i, kind := range []notify.Kind{notify.KindTrigger, notify.KindUpdate, notify.KindRepeat, notify.KindAcknowledge, notify.KindResolve} {
		f.notify(t, evilIncident(kind, int64(i+1)))
		hook := evilIncident(kind, int64(i+1))
		hook.Target.Receiver = "hook"
		f.notify(t, hook)
	}
	msgs := append(f.slack.Messages("#alerts"), f.slack.WebhookMessages()...)
	if len(msgs) != 6 || len(msgs[0].Replies) != 4 {
		t.Fatalf("got %d messages (first with %d replies), want the channel message with 4 replies and 5 webhook messages", len(msgs), len(msgs[0].Replies))
	}
	got := allStrings(msgs)
	for _, seq := range controlSequences {
		if containsAny(got, seq) {
			t.Errorf("%q reached Slack unescaped", seq)
		}
	}
	if !containsAny(got, "&lt;!channel&gt;") || !containsAny(got, "&amp;") {
		t.Error("the alert text did not arrive escaped; was it dropped?")
	}
	for _, c := range f.slack.Calls() {
		for _, s := range c.Params["text"] {
			if strings.Contains(s, "<!") || strings.Contains(s, "<@") {
				t.Errorf("%s text carries a mention: %q", c.Method, s)
			}
		}
	}
}

func TestNotify_BlockKitLimitsHoldForHugeAlerts(t *testing.T) {
	long := func(s string, n int) string { return strings.Repeat(s, n) }
	tests := []struct {
		name string
		edit func(*notify.Notification)
	}{
		{"very long title", func(nt *notify.Notification) { nt.Title = long("Title ", 2000) }},
		{"title of escapable characters", func(nt *notify.Notification) { nt.Title = long("<&>", 1000) }},
		{"japanese and emoji title", func(nt *notify.Notification) { nt.Title = long("障害🔥", 500) }},
		{"very long summary", func(nt *notify.Notification) { nt.Enrichment.Summary = long("<!here> & ", 2000) }},
		{"long values of every key label", func(nt *notify.Notification) {
			for _, k := range []string{"service", "namespace", "cluster", "instance", "pod", "node", "job", "region", "entity", "LoadBalancer", "DBClusterIdentifier"} {
				nt.GroupLabels[k] = long("v", alert.MaxLabelValueLen)
			}
		}},
		{"100 members with long names and labels", func(nt *notify.Notification) {
			nt.Members = nil
			for i := range 100 {
				m := member(i, "new")
				m.Name = long("N", 1000)
				m.Labels["instance"] = fmt.Sprint(i) + long("i", 1000)
				m.Labels["pod"] = long("p", 1000)
				m.Annotations["summary"] = long("s", 8000)
				m.GeneratorURL = "https://prometheus.example.com/graph?" + long("q", 700) + fmt.Sprint(i)
				nt.Members = append(nt.Members, m)
			}
		}},
		{"long runbook", func(nt *notify.Notification) {
			nt.Enrichment.Runbook = &notify.Runbook{Title: long("T", 1000), URL: "https://runbooks.example.com/" + long("u", 790), Steps: []string{long("s", 5000), long("s", 5000), long("s", 5000), long("s", 5000)}}
		}},
		{"many long notes", func(nt *notify.Notification) {
			for range 30 {
				nt.Notes = append(nt.Notes, long("n", 2000))
			}
		}},
		{"long on-call and acknowledger", func(nt *notify.Notification) {
			nt.Enrichment.OnCall = long("o", 5000)
			nt.AckedBy = long("a", 5000)
		}},
		{"everything at once", func(nt *notify.Notification) {
			nt.Title = long("T", 5000)
			nt.Enrichment.Summary = long("S", 10000)
			nt.Enrichment.Runbook = &notify.Runbook{Title: long("T", 1000), URL: "https://runbooks.example.com/" + long("u", 790), Steps: []string{long("s", 5000), long("s", 5000), long("s", 5000), long("s", 5000)}}
			for range 30 {
				nt.Notes = append(nt.Notes, long("n", 2000))
			}
			for i := range 100 {
				m := member(i, "new")
				m.Name = long("N", 1000)
				m.Annotations["summary"] = long("s", 8000)
				nt.Members = append(nt.Members, m)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			for i, kind := range []notify.Kind{notify.KindTrigger, notify.KindUpdate, notify.KindRepeat} {
				nt := incident(kind, int64(i+1), member(1, "new"), member(2, ""))
				tt.edit(nt)
				f.notify(t, nt)
				hook := *nt
				hook.Target.Receiver = "hook"
				f.notify(t, &hook)
			}
			for _, c := range f.slack.Calls() {
				if c.Error != "" {
					t.Errorf("%s answered %s", c.Method, c.Error)
				}
			}
			msgs := append(f.slack.Messages("#alerts"), f.slack.WebhookMessages()...)
			for _, m := range msgs {
				if m.Blocks == nil {
					t.Errorf("message %s was sent without blocks", m.TS)
				}
			}
		})
	}
}

func TestNotify_HeaderShowsSeverityAndState(t *testing.T) {
	warn := member(1, "")
	warn.Severity = alert.SeverityWarning
	tests := []struct {
		name string
		nt   *notify.Notification
		want string
	}{
		{"critical firing", incident(notify.KindTrigger, 1, member(1, "")), "🔴 CRITICAL · FIRING — HighErrorRate on api"},
		{"warning firing", incident(notify.KindTrigger, 1, warn), "🟠 WARNING · FIRING — HighErrorRate on api"},
		{"resolved keeps the severity", incident(notify.KindResolve, 2, resolved(member(1, ""), t0.Add(time.Hour))), "✅ CRITICAL · RESOLVED — HighErrorRate on api"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			if tt.nt.Kind != notify.KindTrigger {
				// A resolve only edits a message the channel shows.
				f.notify(t, incident(notify.KindTrigger, 1, member(1, "new")))
			}
			f.notify(t, tt.nt)
			if h := header(t, f.slack.Messages("#alerts")[0]); h != tt.want {
				t.Errorf("header %q, want %q", h, tt.want)
			}
		})
	}
}

func TestNotify_MessageShowsRunbookSourceLinksAndMembers(t *testing.T) {
	f := newFixture(t)
	nt := incident(notify.KindTrigger, 1, member(1, "new"), member(2, "new"), member(3, "new"))
	nt.Notes = []string{"LLM unavailable; fallback summary"}
	f.notify(t, nt)
	got := f.slack.Messages("#alerts")[0].Strings()
	for _, want := range []string{
		"<https://runbooks.example.com/api-5xx|API 5xx>",
		"1. Check the deploy", "3. Page the owner",
		"<https://prometheus.example.com/graph?g0.expr=rate(x%5B5m%5D)&amp;g0.tab=1|Source>",
		"<https://alertmanager.example.com|Alertmanager>",
		"On call: *Hanako Yamada*",
		"instance=10.0.0.3:9100",
		"LLM unavailable; fallback summary",
		"Summary written by the LLM",
	} {
		if !containsAny(got, want) {
			t.Errorf("message lacks %q", want)
		}
	}
}

func TestNotify_ResolveButtonAsksForConfirmation(t *testing.T) {
	f := newFixture(t)
	f.notify(t, incident(notify.KindTrigger, 1, member(1, "")))
	var resolve slacktest.Button
	for _, b := range f.slack.Messages("#alerts")[0].Buttons() {
		if strings.HasPrefix(b.ActionID, "alertgate_link_") {
			continue
		}
		if b.Value != "inc-1" {
			t.Errorf("button %s carries %q, want the incident key", b.ActionID, b.Value)
		}
		if b.ActionID == "alertgate_resolve" {
			resolve = b
		}
	}
	if resolve.Style != "danger" || !resolve.Confirm {
		t.Errorf("resolve button = %+v, want danger style with a confirm dialog", resolve)
	}
}
