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
	before, err := Run(context.Background(), gate, load(t, false), Records(night()), Options{})
	if err != nil {
		t.Fatal(err)
	}
	after, err := Run(context.Background(), gate, load(t, true), Records(night()), Options{})
	if err != nil {
		t.Fatal(err)
	}
	pagesOf := func(r *Result) map[string]int {
		m := map[string]int{}
		for _, in := range r.Incidents {
			m[in.Title] += in.Pages
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
	if err := after.Write(&out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"sounds (calls) per hour", "pagerduty:oncall", "2026-01-13 03:00", "7 webhooks (0 rejected), 7 alerts in", "1 page", "pages per incident"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	out.Reset()
	if err := Compare(&out, "before.yml", before, "after.yml", after); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"A pagerduty:oncall", "B pagerduty:oncall", "A = before.yml", "2 pages", "NightlyExportFailed", "(-"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("comparison lacks %q:\n%s", want, out.String())
		}
	}
}

// TestReplay_CallsNameTheirIncidentAndMembers: every call says what it
// does and which alerts it is about, with each alert's id at its source,
// so the figures can be audited against the trace.
func TestReplay_CallsNameTheirIncidentAndMembers(t *testing.T) {
	var calls []Call
	_, err := Run(context.Background(), gate, load(t, true), Records(night()), Options{OnCall: func(c Call, _ *notify.Notification) { calls = append(calls, c) }})
	if err != nil {
		t.Fatal(err)
	}
	effects := map[notify.Effect]int{}
	for _, c := range calls {
		effects[c.Effect]++
		if c.Incident == "" || c.Receiver == "" || c.Target == "" || c.At.IsZero() || len(c.Members) == 0 {
			t.Errorf("call %+v lacks its incident, receiver, target, time or members", c)
		}
		for _, m := range c.Members {
			if m.Fingerprint == "" || m.SourceID == "" || m.AlertName == "" || m.Source != alert.SourceAlertmanager {
				t.Errorf("member %+v of %s lacks its identity", m, c.Incident)
			}
		}
		b, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		for _, field := range []string{`"at"`, `"receiver"`, `"target"`, `"effect"`, `"incident"`, `"severity"`, `"title"`, `"members"`, `"source_id"`, `"alertname"`, `"status"`} {
			if !bytes.Contains(b, []byte(field)) {
				t.Errorf("JSON of a call lacks %s: %s", field, b)
			}
		}
	}
	// The api alert pages once and resolves; the batch, muted until it
	// resolved at 04:00, is never told.
	if len(effects) != 2 || effects[notify.EffectPage] != 1 || effects[notify.EffectPageResolve] != 1 {
		t.Errorf("effects = %v", effects)
	}
}

// TestReplay_RateLimitsRunOnTheSimulatedClock: a day of webhooks played
// in a second is limited as the live server limited it at each moment of
// the day, not refused for arriving faster than the wall clock allows.
func TestReplay_RateLimitsRunOnTheSimulatedClock(t *testing.T) {
	cfg := load(t, false)
	cfg.Sources.Alertmanager.RateLimit = &config.RateLimit{RequestsPerSecond: 1, Burst: 2}
	var tr []Record
	api := map[string]string{"alertname": "HighErrorRate", "service": "api", "severity": "warning"}
	for i := range 600 {
		tr = append(tr, amRecord(at("2026-01-13 10:00").Add(time.Duration(i)*2*time.Second), "firing", at("2026-01-13 10:00"), api))
	}
	// Three at once: the live server refuses the third.
	burst := at("2026-01-13 11:00")
	tr = append(tr, amRecord(burst, "firing", burst, api), amRecord(burst, "firing", burst, api), amRecord(burst, "firing", burst, api))
	res, err := Run(context.Background(), gate, cfg, Records(tr), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Rejected != 1 || len(res.Refusals) != 1 {
		t.Fatalf("%d webhooks rejected (%+v), want exactly the third of the burst", res.Rejected, res.Refusals)
	}
	if r := res.Refusals[0]; r.Status != http.StatusTooManyRequests || !r.At.Equal(burst) || !strings.Contains(r.Reason, "rate limit") {
		t.Errorf("refusal = %+v, want a 429 at %s saying why", r, burst)
	}
}

// TestReader_StreamsAndReordersATrace: the reader yields one record at a
// time, and a replay puts records slightly out of order back in order.
func TestReader_StreamsAndReordersATrace(t *testing.T) {
	tr := night()
	tr[0], tr[1] = tr[1], tr[0]
	var buf bytes.Buffer
	for _, r := range tr {
		b, _ := json.Marshal(r)
		buf.Write(append(b, '\n'))
	}
	res, err := Run(context.Background(), gate, load(t, true), NewReader(&buf), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Records != len(tr) || res.Late != 0 || res.Rejected != 0 {
		t.Errorf("records %d, late %d, rejected %d; want %d, 0, 0", res.Records, res.Late, res.Rejected, len(tr))
	}
	if _, err := NewReader(strings.NewReader("{\"at\":\"2026-01-13T00:00:00Z\",\"source\":\"x\"}\n")).Next(); err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Errorf("a record of an unknown source gave %v", err)
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
func gate(cfg *config.Config, now func() time.Time, sink notify.CallSink) (Gate, error) {
	return router.NewReplay(cfg, now, sink, nil)
}
