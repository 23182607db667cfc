package slack

import (
	"strings"
	"testing"

	"github.com/slack-go/slack"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/router/notify"
)

func TestRunbookText_CommandsAreCodeAndNeverCut(t *testing.T) {
	long := "kubectl -n web get pods -o jsonpath='" + strings.Repeat("{.items[*].metadata.name}", 120) + "'"
	rb := &notify.Runbook{Title: "Crash loop", URL: "https://runbooks.example.com/crash", More: 2, Parts: []notify.StepPart{
		{Text: "See which pods crash", Command: "kubectl -n web get pods | grep -v Running"},
		{Text: "Read the logs", Command: "kubectl -n web logs <pod> --previous"},
		{Text: "Dump everything", Command: long},
		{Text: "Roll back", Command: "kubectl -n web rollout undo deploy/api"},
	}}
	got := runbookText(rb)
	for _, want := range []string{
		"1. See which pods crash\n```kubectl -n web get pods | grep -v Running```",
		"2. Read the logs\n```kubectl -n web logs &lt;pod&gt; --previous```",
		"_…4 more steps in the <https://runbooks.example.com/crash|runbook>_",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("runbook section lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "Dump everything") || strings.Contains(got, "Roll back") {
		t.Errorf("a step after one that does not fit was shown; steps must stay in order:\n%s", got)
	}
	if strings.Count(got, "```")%2 != 0 || len(got) > maxSectionText {
		t.Errorf("unbalanced code blocks or %d bytes:\n%s", len(got), got)
	}
}

func TestLinksBlock_RunbookDashboardAndSourcePages(t *testing.T) {
	nt := &notify.Notification{Incident: "i", Enrichment: notify.Enrichment{Runbook: &notify.Runbook{URL: "https://runbooks.example.com/x"}}, Members: []notify.Member{{Alert: alert.Alert{
		Source: alert.SourceCloudWatch, Annotations: map[string]string{"dashboard_url": "https://grafana.example.com/d/a?x=<!here>", "runbook_url": "https://runbooks.example.com/x"},
		GeneratorURL: "https://ap-northeast-1.console.aws.amazon.com/cloudwatch/home#alarmsV2:alarm/a", SourceURL: "javascript:alert(1)"}}}}
	b := linksBlock(nt, true)
	if b == nil {
		t.Fatal("no links block")
	}
	var got []string
	for _, e := range b.(interface{ ID() string }).(*slackActionBlock).Elements.ElementSet {
		btn := e.(*slackButton)
		got = append(got, btn.Text.Text+" "+btn.URL)
	}
	want := []string{"Runbook https://runbooks.example.com/x", "Dashboard https://grafana.example.com/d/a?x=%3C!here%3E", "CloudWatch alarm https://ap-northeast-1.console.aws.amazon.com/cloudwatch/home#alarmsV2:alarm/a"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("buttons:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if linksBlock(nt, false) != nil {
		t.Error("webhook messages got link buttons")
	}
}

type (
	slackActionBlock = slack.ActionBlock
	slackButton      = slack.ButtonBlockElement
)
