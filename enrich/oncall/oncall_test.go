package oncall

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alertgate/alertgate/config"
)

func parse(t *testing.T, yaml string) *config.Config {
	t.Helper()
	cfg, err := config.Parse([]byte(yaml), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	return cfg
}

func mustDirectory(t *testing.T, yaml string) *Directory {
	t.Helper()
	d, err := New(parse(t, yaml))
	if err != nil {
		t.Fatalf("oncall: %v", err)
	}
	return d
}

// base is the smallest complete configuration; tests append to it.
const base = `
sources:
  alertmanager: {disabled: true}
  newrelic: {disabled: true}
  cloudwatch: {disabled: true}
notify: {dry_run: true}
receivers:
  - {name: team, slack: {channel: "#team"}}
  - {name: oncall, pagerduty: {routing_key: ""}}
route:
  receiver: team
`

func jst(t *testing.T, s string) time.Time {
	t.Helper()
	loc, _ := time.LoadLocation("Asia/Tokyo")
	v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestOnCall_WeeklyRotation(t *testing.T) {
	d := mustDirectory(t, strings.Replace(base, "{name: team, slack", "{name: team, oncall: platform, slack", 1)+`
oncall:
  - name: platform
    rotation:
      members: [alice, bob, carol]
      handover: "monday 10:00"
      start: 2026-01-05
      location: Asia/Tokyo
`)
	for _, tt := range []struct {
		at, want string
	}{
		{"2026-01-05 10:00", "alice"},
		{"2026-01-12 09:59", "alice"},
		{"2026-01-12 10:00", "bob"},
		{"2026-01-21 03:00", "carol"},
		{"2026-01-26 10:00", "alice"},
		{"2026-01-05 09:00", "carol"}, // before the start: the previous week
	} {
		got, schedule, err := d.OnCall(context.Background(), "team", jst(t, tt.at))
		if err != nil || got != tt.want || !strings.Contains(schedule, "alice, bob, carol") {
			t.Errorf("on call at %s = %q (%s), %v; want %q", tt.at, got, schedule, err, tt.want)
		}
	}
	if got, _, _ := d.OnCall(context.Background(), "oncall", jst(t, "2026-01-05 10:00")); got != "" {
		t.Errorf("a receiver without a schedule has %q on call", got)
	}
}

func TestOnCall_PagerDutyScheduleIsAskedAndCached(t *testing.T) {
	var calls atomic.Int32
	pd := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if r.URL.Path != "/oncalls" || r.URL.Query().Get("schedule_ids[]") != "PSCHED1" || r.Header.Get("Authorization") != "Token token=pd-read-token" {
			t.Errorf("unexpected request %s %s auth %q", r.URL.Path, r.URL.RawQuery, r.Header.Get("Authorization"))
			http.Error(w, "bad", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"oncalls":[{"user":{"id":"PU1","type":"user_reference","summary":"Hanako Yamada"},"escalation_level":1,"start":"2026-01-12T01:00:00Z","end":"2026-01-19T01:00:00Z"}],"limit":25,"offset":0,"more":false}`))
	}))
	defer pd.Close()
	d := mustDirectory(t, strings.Replace(base, "{name: oncall, pagerduty", "{name: oncall, oncall: primary, pagerduty", 1)+`
oncall:
  - name: primary
    pagerduty: {schedule_id: PSCHED1, token: pd-read-token, url: "`+pd.URL+`", cache_for: 5m}
`)
	now := jst(t, "2026-01-13 03:00")
	for i := range 3 {
		got, _, err := d.OnCall(context.Background(), "oncall", now.Add(time.Duration(i)*time.Minute))
		if err != nil || got != "Hanako Yamada" {
			t.Fatalf("on call = %q, %v", got, err)
		}
	}
	if calls.Load() != 1 {
		t.Errorf("PagerDuty was asked %d times within the cache period, want 1", calls.Load())
	}
	if _, _, err := d.OnCall(context.Background(), "oncall", now.Add(6*time.Minute)); err != nil || calls.Load() != 2 {
		t.Errorf("after the cache period: calls = %d, err %v; want a second call", calls.Load(), err)
	}
}

func TestOnCall_AReloadKeepsThePagerDutyAnswerCached(t *testing.T) {
	var calls atomic.Int32
	up := atomic.Bool{}
	up.Store(true)
	pd := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if !up.Load() {
			http.Error(w, "unavailable", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"oncalls":[{"user":{"id":"PU1","type":"user_reference","summary":"Hanako Yamada"}}],"limit":25,"offset":0,"more":false}`))
	}))
	defer pd.Close()
	cfg := strings.Replace(base, "{name: oncall, pagerduty", "{name: oncall, oncall: primary, pagerduty", 1) + `
oncall:
  - name: primary
    pagerduty: {schedule_id: PSCHED1, token: pd-read-token, url: "` + pd.URL + `", cache_for: 5m}
`
	d := mustDirectory(t, cfg)
	now := jst(t, "2026-01-13 03:00")
	if got, _, err := d.OnCall(t.Context(), "oncall", now); err != nil || got != "Hanako Yamada" {
		t.Fatalf("on call = %q, %v", got, err)
	}
	commit, err := d.Prepare(parse(t, cfg+"\n"))
	if err != nil {
		t.Fatal(err)
	}
	commit()
	if got, _, err := d.OnCall(t.Context(), "oncall", now.Add(time.Minute)); err != nil || got != "Hanako Yamada" || calls.Load() != 1 {
		t.Errorf("after a reload: %q, %v, %d calls; want the cached answer without a call", got, err, calls.Load())
	}
	up.Store(false)
	if got, _, err := d.OnCall(t.Context(), "oncall", now.Add(10*time.Minute)); err != nil || got != "Hanako Yamada" {
		t.Errorf("PagerDuty down after a reload: %q, %v; want the last answer", got, err)
	}
	commit, err = d.Prepare(parse(t, base))
	if err != nil {
		t.Fatal(err)
	}
	commit()
	if got, _, _ := d.OnCall(t.Context(), "oncall", now); got != "" {
		t.Errorf("schedule removed by a reload still answers %q", got)
	}
}
