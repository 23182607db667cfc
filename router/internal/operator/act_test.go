package operator

import (
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/config"
	"github.com/alertgate/alertgate/incident"
	"github.com/alertgate/alertgate/router/pipeline"
	"github.com/alertgate/alertgate/router/store"
	"github.com/alertgate/alertgate/router/store/memory"
)

// actConfig routes every alert to one Slack receiver, grouped by name,
// flushed at once, delivering nothing (a dry run).
const actConfig = `
sources:
  alertmanager: {token: am-token}
  newrelic: {disabled: true}
  cloudwatch: {disabled: true}
notify: {dry_run: true}
receivers:
  - name: team
    slack: {channel: "#team"}
route:
  receiver: team
  group_by: [alertname]
  group_wait: 0s
  group_interval: 5m
`

// TestAct_AcknowledgesAndResolvesTheOpenIncidentOnly acknowledges and
// then resolves an open incident, and tries both again on the incident
// once it is over: each action is on the timeline and audited, and one
// on an incident that is over is refused with pipeline.ErrIncidentOver,
// audited as refused, and leaves the timeline as it was.
func TestAct_AcknowledgesAndResolvesTheOpenIncidentOnly(t *testing.T) {
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	cfg, err := config.Parse([]byte(actConfig), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	st := memory.New(store.Options{})
	log := slog.New(slog.DiscardHandler)
	engine, err := pipeline.New(cfg, pipeline.Options{Store: st, Logger: log, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	auditLog, path := newAuditFile(t, log)
	changes := 0
	a := &Actions{Store: st, Engine: engine, Audit: auditLog, Log: log, Now: clock, Changed: func() { changes++ }}
	ctx := t.Context()

	fp := alert.NewFingerprint(alert.SourceAlertmanager, "disk-full")
	if _, err := engine.Ingest(ctx, alert.SourceAlertmanager, []alert.Alert{{Source: alert.SourceAlertmanager, Name: "DiskFull",
		Status: alert.StatusFiring, Labels: map[string]string{"alertname": "DiskFull"}, StartsAt: now, Fingerprint: fp}}); err != nil {
		t.Fatal(err)
	}
	if err := engine.Step(ctx); err != nil {
		t.Fatal(err)
	}
	list, err := st.Incidents(ctx, now, now.Add(-time.Hour), 10)
	if err != nil || len(list) != 1 {
		t.Fatalf("incidents = %+v, %v; want the one DiskFull opened", list, err)
	}
	inc := list[0]
	ana := Actor{User: "ana", Role: "operator", Via: "console"}
	events := func() map[incident.EventType]int {
		_, evs, _, err := st.Incident(ctx, inc.ID)
		if err != nil {
			t.Fatal(err)
		}
		n := map[incident.EventType]int{}
		for _, ev := range evs {
			if ev.Actor == "ana" {
				n[ev.Type]++
			}
		}
		return n
	}

	now = now.Add(time.Minute)
	if err := a.Act(ctx, inc, Acknowledge, ana); err != nil {
		t.Fatalf("acknowledge: %v", err)
	}
	if got, _, _, _ := st.Incident(ctx, inc.ID); got.AckedBy != "ana" {
		t.Errorf("incident acknowledged by %q, want ana", got.AckedBy)
	}
	now = now.Add(time.Minute)
	if err := a.Act(ctx, inc, Resolve, ana); err != nil {
		t.Fatalf("resolve: %v", err)
	}
	over, _, _, err := st.Incident(ctx, inc.ID)
	if err != nil || over.Status != incident.StatusResolved {
		t.Fatalf("incident after resolve = %+v, %v; want resolved", over, err)
	}
	before := events()
	if before[incident.EventAcknowledged] != 1 || before[incident.EventResolved] != 1 {
		t.Errorf("timeline by ana = %v, want one acknowledgement and one resolve", before)
	}

	for _, action := range []Action{Acknowledge, Resolve} {
		if err := a.Act(ctx, over, action, ana); !errors.Is(err, pipeline.ErrIncidentOver) {
			t.Errorf("%s of an incident that is over: %v, want pipeline.ErrIncidentOver", action, err)
		}
	}
	// An action Act does not know is refused before the incident is
	// even looked at (not as over), and audited as refused.
	if err := a.Act(ctx, inc, "snooze", ana); err == nil || errors.Is(err, pipeline.ErrIncidentOver) {
		t.Errorf("snooze: %v, want it refused as an unknown action", err)
	}
	if after := events(); after[incident.EventAcknowledged] != 1 || after[incident.EventResolved] != 1 {
		t.Errorf("timeline by ana after refused actions = %v, want it unchanged: %v", after, before)
	}

	entries := auditEntries(t, path)
	want := []struct{ action, result string }{
		{"acknowledge", "ok"}, {"resolve", "ok"},
		{"acknowledge", pipeline.ErrIncidentOver.Error()}, {"resolve", pipeline.ErrIncidentOver.Error()},
		{"snooze", `unknown incident action "snooze"`},
	}
	if len(entries) != len(want) {
		t.Fatalf("audit = %+v, want %d entries", entries, len(want))
	}
	for i, w := range want {
		if e := entries[i]; e.Action != w.action || e.Target != inc.ID || e.Result != w.result || e.User != "ana" {
			t.Errorf("audit entry %d = %+v, want %s of %s by ana: %s", i, e, w.action, inc.ID, w.result)
		}
	}
	if changes != 5 {
		t.Errorf("Changed called %d times, want once per action", changes)
	}
}
