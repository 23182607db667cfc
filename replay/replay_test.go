package replay

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/config"
	"github.com/alertgate/alertgate/router"
	"github.com/alertgate/alertgate/router/notify"
)

var tokyo, _ = time.LoadLocation("Asia/Tokyo")

func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, tokyo)
	if err != nil {
		panic(err)
	}
	return t
}

func amRecord(when time.Time, status string, startsAt time.Time, labels map[string]string) Record {
	ls, _ := json.Marshal(labels)
	body := fmt.Sprintf(`{"version":"4","status":%q,"alerts":[{"status":%q,"labels":%s,"annotations":{"summary":"x"},"startsAt":%q}]}`,
		status, status, ls, startsAt.Format(time.RFC3339))
	return Record{At: when, Source: alert.SourceAlertmanager, Body: json.RawMessage(body)}
}

// night is a trace of one night: a nightly batch job fails at 02:00 and
// Alertmanager re-sends it every 30 minutes until it resolves at 04:00;
// an unrelated critical alert fires at 03:00 and resolves at 03:20.
func night() []Record {
	batch := map[string]string{"alertname": "NightlyExportFailed", "job_type": "batch", "severity": "critical"}
	api := map[string]string{"alertname": "HighErrorRate", "service": "api", "severity": "critical"}
	var tr []Record
	for t := at("2026-01-13 02:00"); t.Before(at("2026-01-13 04:00")); t = t.Add(30 * time.Minute) {
		tr = append(tr, amRecord(t, "firing", at("2026-01-13 02:00"), batch))
	}
	tr = append(tr,
		amRecord(at("2026-01-13 03:00"), "firing", at("2026-01-13 03:00"), api),
		amRecord(at("2026-01-13 03:20"), "resolved", at("2026-01-13 03:00"), api),
		amRecord(at("2026-01-13 04:00"), "resolved", at("2026-01-13 02:00"), batch),
	)
	return tr
}

const policy = `
sources:
  alertmanager: {token: t}
  newrelic: {disabled: true}
  cloudwatch: {disabled: true}
notify: {dry_run: true}
receivers:
  - {name: team, slack: {channel: "#team"}}
  - {name: oncall, pagerduty: {routing_key: ""}}
business_hours: {location: Asia/Tokyo, holidays: jp}
time_intervals:
  - name: night
    time_intervals: [{times: [{start_time: "01:00", end_time: "06:00"}], location: Asia/Tokyo}]
route:
  receiver: team
  group_by: [alertname]
  group_wait: 30s
  group_interval: 5m
  repeat_interval: 4h
  routes:
BATCH
    - matchers: ['severity="critical"']
      mute_time_intervals: [alertgate:business_hours]
      receiver: oncall
`

func load(t *testing.T, muteBatch bool) *config.Config {
	batch := ""
	if muteBatch {
		batch = "    - matchers: ['job_type=\"batch\"']\n      mute_time_intervals: [night]\n"
	}
	cfg, err := config.Parse([]byte(strings.Replace(policy, "BATCH\n", batch, 1)), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func TestReplay_MutingTheBatchAtNightRemovesExactlyItsPages(t *testing.T) {
	before, err := Run(context.Background(), gate, load(t, false), night(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	after, err := Run(context.Background(), gate, load(t, true), night(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	pagesOf := func(r *Result) map[string]int {
		m := map[string]int{}
		for _, s := range r.Sent {
			if s.Kind == "trigger" && strings.HasPrefix(s.Target, "pagerduty:") {
				m[s.Title]++
			}
		}
		return m
	}
	b, a := pagesOf(before), pagesOf(after)
	if before.Pages() != 2 || b["x"] != 2 {
		t.Fatalf("without the mute: %d pages %v, want the batch and the api alert", before.Pages(), b)
	}
	if after.Pages() != 1 {
		t.Fatalf("with the mute: %d pages %v, want only the api alert", after.Pages(), a)
	}
	if before.Records != 7 || before.Alerts != 7 || before.Rejected != 0 {
		t.Errorf("before = %d records, %d alerts, %d rejected", before.Records, before.Alerts, before.Rejected)
	}
	var out bytes.Buffer
	if err := after.Write(&out, tokyo); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"hour", "pagerduty:oncall", "2026-01-13 03:00", "7 webhooks (0 rejected), 7 alerts in", "1 pages"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestRecorder_RoundTrip(t *testing.T) {
	var buf bytes.Buffer
	r := NewRecorder(&buf)
	h := http.Header{}
	h.Set("X-Amz-Sns-Message-Type", "Notification")
	h.Set("Authorization", "Bearer secret-token")
	r.Record(at("2026-01-13 02:00"), alert.SourceCloudWatch, h, []byte(`{"Type":"Notification"}`))
	r.Record(at("2026-01-13 02:01"), alert.SourceCloudWatch, http.Header{}, []byte("not json"))
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "secret-token") {
		t.Error("the trace records credentials")
	}
	recs, err := Read(&buf)
	if err != nil || len(recs) != 2 {
		t.Fatalf("Read = %v, %v", recs, err)
	}
	if string(recs[0].body()) != `{"Type":"Notification"}` || recs[0].Header["X-Amz-Sns-Message-Type"] != "Notification" || string(recs[1].body()) != "not json" {
		t.Errorf("records = %+v", recs)
	}
	if _, err := Read(strings.NewReader("{\"at\":\"x\"}\n")); err == nil {
		t.Error("a bad line was accepted")
	}
}

// gate plays traces through alertgate's router and engine.
func gate(cfg *config.Config, now func() time.Time, sink notify.Notifier) (Gate, error) {
	return router.NewReplay(cfg, now, sink, nil)
}
