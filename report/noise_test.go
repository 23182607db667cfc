package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/incident"
)

// week generates seven days of traffic with known totals:
//   - every day: 100 alertmanager alerts named DiskFull, 20 cloudwatch
//     alerts named alb-5xx, 5 newrelic alerts named ApdexLow;
//   - every day: 10 slack and 2 pagerduty notifications;
//   - DiskFull flaps once a day;
//   - one incident per day at 03:00 JST (out of hours) paged, acknowledged
//     after 4 minutes, resolved after 30, service api, with a runbook;
//   - one incident per day at 14:00 JST on service db, notified to Slack,
//     never acknowledged, resolved after 60 minutes, no runbook.
func week() Input {
	start := time.Date(2026, 1, 12, 0, 0, 0, 0, tokyo) // Monday
	in := Input{Since: start, Until: start.AddDate(0, 0, 7), Counters: map[string]incident.Counters{},
		BusinessHours: func(t time.Time) bool {
			t = t.In(tokyo)
			return t.Weekday() >= time.Monday && t.Weekday() <= time.Friday && t.Hour() >= 10 && t.Hour() < 19
		}}
	for d := range 7 {
		day := start.AddDate(0, 0, d)
		in.Counters[incident.Day(day)] = incident.Counters{
			"received:alertmanager": 125 - 25, "received:cloudwatch": 20, "received:newrelic": 5,
			"alertname:DiskFull": 100, "alertname:alb-5xx": 20, "alertname:ApdexLow": 5,
			"sent:slack": 10, "sent:pagerduty": 2, "flapping:DiskFull": 1,
		}
		night, noon := day.Add(3*time.Hour), day.Add(14*time.Hour)
		in.Incidents = append(in.Incidents,
			IncidentRecord{
				Incident: incident.Incident{ID: incident.ID("n", night), Title: "disk", Service: "api", Severity: alert.SeverityCritical, Runbook: "node-disk-filling",
					StartsAt: night, Opened: night, Notified: night, AckedBy: "sato", AckedAt: night.Add(4 * time.Minute), ResolvedAt: night.Add(30 * time.Minute), Status: incident.StatusResolved},
				Events: []incident.Event{
					{At: night, Type: incident.EventDetected, Alert: "DiskFull"},
					{At: night, Type: incident.EventNotified, Target: "pagerduty:oncall", Detail: "trigger"},
					{At: night.Add(4 * time.Minute), Type: incident.EventAcknowledged, Actor: "sato"},
				}},
			IncidentRecord{
				Incident: incident.Incident{ID: incident.ID("d", noon), Title: "apdex", Service: "db", Severity: alert.SeverityWarning,
					StartsAt: noon, Opened: noon, Notified: noon, ResolvedAt: noon.Add(time.Hour), Status: incident.StatusResolved},
				Events: []incident.Event{
					{At: noon, Type: incident.EventDetected, Alert: "ApdexLow"},
					{At: noon, Type: incident.EventNotified, Target: "slack:team", Detail: "trigger"},
				}},
		)
	}
	return in
}

func TestNoise_EveryFigureOfAKnownWeek(t *testing.T) {
	n := Build(week())
	if n.Received != 7*125 || n.ReceivedBySource["alertmanager"] != 700 || n.ReceivedBySource["cloudwatch"] != 140 || n.ReceivedBySource["newrelic"] != 35 {
		t.Errorf("received = %d %v", n.Received, n.ReceivedBySource)
	}
	if n.Notifications != 84 || n.NotificationsByTarget["slack"] != 70 || n.NotificationsByTarget["pagerduty"] != 14 {
		t.Errorf("notifications = %d %v", n.Notifications, n.NotificationsByTarget)
	}
	if want := 875.0 / 84; n.Compression != want || n.Reduction != 1-84.0/875 {
		t.Errorf("compression %v reduction %v", n.Compression, n.Reduction)
	}
	if n.Incidents != 14 {
		t.Errorf("incidents = %d", n.Incidents)
	}
	wantTop := []NameStats{
		{Name: "DiskFull", Received: 700, Incidents: 7, Acked: 7},
		{Name: "alb-5xx", Received: 140},
		{Name: "ApdexLow", Received: 35, Incidents: 7, AutoResolved: 7},
	}
	if len(n.Noisiest) != 3 {
		t.Fatalf("noisiest = %+v", n.Noisiest)
	}
	for i := range wantTop {
		if n.Noisiest[i] != wantTop[i] {
			t.Errorf("noisiest[%d] = %+v, want %+v", i, n.Noisiest[i], wantTop[i])
		}
	}
	if len(n.OutOfHours) != 7 || n.OutOfHours[0].Severity != "critical" || n.OutOfHours[0].Title != "disk" {
		t.Errorf("pages out of hours = %+v, want the 7 night pages", n.OutOfHours)
	}
	if len(n.Flapping) != 1 || n.Flapping[0] != (NameCount{"DiskFull", 7}) {
		t.Errorf("flapping = %+v", n.Flapping)
	}
	if len(n.NeverAcked) != 7 || n.NeverAcked[0].Title != "apdex" {
		t.Errorf("never acknowledged = %+v, want the 7 daytime incidents", n.NeverAcked)
	}
	if len(n.NoRunbook) != 1 || n.NoRunbook[0] != (NameCount{"ApdexLow", 7}) {
		t.Errorf("without runbook = %+v", n.NoRunbook)
	}
	wantSvc := []Service{{Service: "api", Incidents: 7, MTTA: 4, MTTR: 30}, {Service: "db", Incidents: 7, MTTA: 0, MTTR: 60}}
	if len(n.ByService) != 2 || n.ByService[0] != wantSvc[0] || n.ByService[1] != wantSvc[1] {
		t.Errorf("by service = %+v, want %+v", n.ByService, wantSvc)
	}
	if n.OverallMTTA != 4 || n.OverallMTTR != 45 {
		t.Errorf("overall MTTA %v MTTR %v, want 4 and 45", n.OverallMTTA, n.OverallMTTR)
	}
}

func TestNoise_Formats(t *testing.T) {
	n := Build(week())
	var md, txt, js bytes.Buffer
	for f, w := range map[string]*bytes.Buffer{FormatMarkdown: &md, FormatText: &txt, FormatJSON: &js} {
		if err := n.Write(w, f, tokyo); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
	}
	for _, want := range []string{"| DiskFull | 700 | 7 | 7 | 0 |", "Pages outside business hours (7)", "10.4 alerts per notification (90.4% fewer)", "| api | 7 | 4 min | 30 min |"} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("markdown lacks %q:\n%s", want, md.String())
		}
	}
	if strings.Contains(txt.String(), "|---") || strings.Contains(txt.String(), "# ") || !strings.Contains(txt.String(), "DiskFull  700  7  7  0") {
		t.Errorf("text still has markdown or lost the table:\n%s", txt.String())
	}
	var back Noise
	if err := json.Unmarshal(js.Bytes(), &back); err != nil || back.Received != n.Received || len(back.Noisiest) != 3 {
		t.Errorf("json round trip: %v %+v", err, back)
	}
	if err := n.Write(&md, "pdf", nil); err == nil {
		t.Error("an unknown format was accepted")
	}
}
