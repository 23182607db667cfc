package report

import (
	"strings"
	"testing"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/incident"
	"github.com/alertgate/alertgate/internal/golden"
)

var tokyo, _ = time.LoadLocation("Asia/Tokyo")

func at(hhmm string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", "2026-01-13 "+hhmm, tokyo)
	if err != nil {
		panic(err)
	}
	return t
}

// scripted is the incident of the issue: fires at 02:10 JST, paged,
// acknowledged from Slack at 02:14, resolved at 02:40.
func scripted() (incident.Incident, []incident.Event) {
	id := incident.ID("g1", at("02:10"))
	inc := incident.Incident{
		ID: id, Group: "g1", Title: "5xx ratio above 5% on api", Receiver: "oncall-page", Severity: alert.SeverityCritical,
		Service: "api", Labels: map[string]string{"service": "api"}, Runbook: "http-5xx-ratio",
		StartsAt: at("02:10"), Opened: at("02:10"), Notified: at("02:10"), AckedBy: "Hanako Yamada", AckedAt: at("02:14"),
		ResolvedAt: at("02:40"), Status: incident.StatusResolved,
	}
	events := []incident.Event{
		{At: at("02:10"), Type: incident.EventOccurred, Fingerprint: "fp1", Alert: "HighErrorRate", Detail: "5xx ratio above 5%"},
		{At: at("02:10"), Type: incident.EventDetected, Fingerprint: "fp1", Alert: "HighErrorRate", Detail: "alertmanager"},
		{At: at("02:10"), Type: incident.EventNotified, Target: "pagerduty:oncall-page", Actor: "Hanako Yamada", Detail: "trigger"},
		{At: at("02:10"), Type: incident.EventNotified, Target: "slack:oncall-page", Actor: "Hanako Yamada", Detail: "trigger"},
		{At: at("02:14"), Type: incident.EventAcknowledged, Actor: "Hanako Yamada", Detail: "Slack"},
		{At: at("02:40"), Type: incident.EventResolved, Fingerprint: "fp1", Alert: "HighErrorRate"},
		{At: at("02:40"), Type: incident.EventResolved, Detail: "all alerts of the incident resolved"},
	}
	return inc, events
}

func TestFacts_ScriptedIncident(t *testing.T) {
	inc, events := scripted()
	f := FactsOf(inc, events)
	if f.MTTA() != 4*time.Minute || f.MTTR() != 30*time.Minute || f.OnCall != "Hanako Yamada" || f.AckedBy != "Hanako Yamada" {
		t.Errorf("facts = %+v, MTTA %s, MTTR %s; want 4m, 30m", f, f.MTTA(), f.MTTR())
	}
}

func TestPostmortem_GoldenBothLanguages(t *testing.T) {
	inc, events := scripted()
	for _, lang := range []string{English, Japanese} {
		t.Run(lang, func(t *testing.T) {
			out, err := Postmortem(DocumentInput{Incident: inc, Events: events, Impact: "Checkout failed for about 8% of requests.", Now: at("09:00"), Location: tokyo, Language: lang})
			if err != nil {
				t.Fatal(err)
			}
			golden.Assert(t, "postmortem."+lang+".md", []byte(out))
			for _, want := range []string{"2026-01-13 02:10 JST", "2026-01-13 02:14 JST", "2026-01-13 02:40 JST", "4 min", "30 min"} {
				if !strings.Contains(out, want) {
					t.Errorf("postmortem lacks %q", want)
				}
			}
		})
	}
}

func TestAnnouncement_GoldenBothLanguagesOpenAndResolved(t *testing.T) {
	inc, events := scripted()
	open := inc
	open.Status, open.ResolvedAt, open.AckedBy, open.AckedAt = incident.StatusOpen, time.Time{}, "", time.Time{}
	openEvents := events[:4]
	for _, lang := range []string{English, Japanese} {
		for name, in := range map[string]DocumentInput{
			"open":     {Incident: open, Events: openEvents, Now: at("02:12"), Location: tokyo, Language: lang},
			"resolved": {Incident: inc, Events: events, Impact: "Checkout failed for about 8% of requests.", Now: at("02:45"), Location: tokyo, Language: lang},
		} {
			t.Run(lang+"/"+name, func(t *testing.T) {
				out, err := Announcement(in)
				if err != nil {
					t.Fatal(err)
				}
				golden.Assert(t, "announcement."+name+"."+lang+".txt", []byte(out))
			})
		}
	}
}

func TestDocuments_UnknownLanguage(t *testing.T) {
	inc, events := scripted()
	if _, err := Postmortem(DocumentInput{Incident: inc, Events: events, Language: "fr"}); err == nil {
		t.Error("an unknown language was accepted")
	}
}
