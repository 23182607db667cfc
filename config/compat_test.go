package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParse_AlertmanagerCompatibleKeys(t *testing.T) {
	y := minimal + `  labels:
    reason: '{{ .GroupLabels.alertname }}'
  routes:
    - receiver: team
      mute_time_intervals: [holidays]
      active_time_intervals: [business_hours]
time_intervals:
  - name: business_hours
    time_intervals: [{weekdays: ['monday:friday'], times: [{start_time: '09:00', end_time: '17:00'}], location: Europe/London}]
mute_time_intervals:
  - name: holidays
    time_intervals: [{months: ['december'], days_of_month: ['25:26']}]
`
	cfg, err := Parse([]byte(y), env(nil))
	if err != nil {
		t.Fatalf("a config with its own business_hours and holidays, route labels and top-level mute_time_intervals: %v", err)
	}
	if cfg.BusinessHours != nil {
		t.Error("business hours appeared in a config that never defined them")
	}
	if cfg.Route.Labels["reason"] != "{{ .GroupLabels.alertname }}" || len(cfg.Intervals()) != 2 {
		t.Errorf("route labels %v, intervals %v", cfg.Route.Labels, cfg.Intervals())
	}
}

func TestParse_BuiltInIntervalErrorsSayWhatToDo(t *testing.T) {
	tests := []struct{ name, yaml, want string }{
		{"old name", minimal + "  routes:\n    - receiver: team\n      active_time_intervals: [business_hours]\n",
			`undefined time interval "business_hours": the built-in one is now "alertgate:business_hours"`},
		{"built-in without business_hours", minimal + "  routes:\n    - receiver: team\n      mute_time_intervals: [alertgate:holidays]\n",
			`"alertgate:holidays" needs a business_hours section`},
		{"reserved prefix", minimal + "time_intervals:\n  - name: alertgate:mine\n    time_intervals: [{weekdays: [monday]}]\n",
			`names starting with "alertgate:" are alertgate's own`},
		{"duplicate across both lists", minimal + "time_intervals:\n  - name: x\n    time_intervals: [{weekdays: [monday]}]\nmute_time_intervals:\n  - name: x\n    time_intervals: [{weekdays: [monday]}]\n",
			`duplicate time interval "x"`},
		{"no location", minimal + "business_hours: {holidays: jp}\n", "business_hours.location: must be set"},
		{"unknown calendar", minimal + "business_hours: {location: UTC, holidays: [jp, xx]}\n", `business_hours.holidays[1]: unknown holiday calendar "xx"`},
		{"missing calendar file", minimal + "business_hours: {location: UTC, company_calendar: nowhere.ics}\n", "business_hours.company_calendar: open nowhere.ics"},
		{"bad route label", minimal + "  labels: {reason: '{{ .GroupLabels.x '}\n", "route.labels.reason: template"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.yaml), env(nil))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v\nwant it to contain %q", err, tt.want)
			}
		})
	}
}

func TestLoadFile_CalendarErrorsNameTheLine(t *testing.T) {
	dir := t.TempDir()
	ics := "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20260101\r\nRRULE:FREQ=WEEKLY\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	if err := os.WriteFile(filepath.Join(dir, "off.ics"), []byte(ics), 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "alertgate.yml")
	if err := os.WriteFile(path, []byte(minimal+"business_hours: {location: UTC, company_calendar: off.ics}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := LoadFile(path, env(nil))
	if err == nil || !strings.Contains(err.Error(), "off.ics: line 4: RRULE: only FREQ=YEARLY") {
		t.Errorf("error = %v", err)
	}
}
