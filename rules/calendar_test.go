package rules

import (
	"testing"
	"time"

	"github.com/alertgate/alertgate/config"
)

func mustRules(t *testing.T, yaml string) *Rules {
	t.Helper()
	cfg, err := config.Parse([]byte(yaml), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	r, err := New(cfg)
	if err != nil {
		t.Fatalf("rules: %v", err)
	}
	return r
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

// tokyo is base with business hours in Tokyo and Japanese holidays.
const tokyo = `
business_hours: {location: Asia/Tokyo, holidays: jp}
` + base

func jst(t *testing.T, s string) time.Time {
	t.Helper()
	loc, _ := time.LoadLocation("Asia/Tokyo")
	v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestBusinessHours_RealDates(t *testing.T) {
	r := mustRules(t, tokyo)
	tests := []struct {
		at      string
		working bool
		holiday string
	}{
		{"2026-01-01 11:00", false, "New Year's Day"},
		{"2026-01-12 11:00", false, "Coming of Age Day"},
		{"2026-05-06 11:00", false, "Constitution Memorial Day"}, // substitute for Sunday 3 May
		{"2026-09-22 11:00", false, "National holiday between Respect for the Aged Day and Autumnal Equinox Day"},
		{"2026-01-13 09:59", false, ""}, // an ordinary Tuesday
		{"2026-01-13 10:00", true, ""},
		{"2026-01-13 18:59", true, ""},
		{"2026-01-13 19:00", false, ""},
		{"2026-01-17 12:00", false, ""}, // Saturday noon
	}
	for _, tt := range tests {
		t.Run(tt.at, func(t *testing.T) {
			working, holiday := r.BusinessHours(jst(t, tt.at))
			if working != tt.working || holiday != tt.holiday {
				t.Errorf("BusinessHours(%s JST) = %v, %q; want %v, %q", tt.at, working, holiday, tt.working, tt.holiday)
			}
		})
	}
}

func TestBusinessHours_UsesTheirTimeZoneWhateverTheInput(t *testing.T) {
	r := mustRules(t, tokyo)
	// 01:00 UTC on a Tuesday is 10:00 in Tokyo.
	if working, _ := r.BusinessHours(time.Date(2026, 1, 13, 1, 0, 0, 0, time.UTC)); !working {
		t.Error("01:00 UTC Tuesday (10:00 JST) is not business hours")
	}
}

func TestBusinessHours_CompanyHolidays(t *testing.T) {
	r := mustRules(t, base+`
business_hours:
  location: Asia/Tokyo
  company_holidays: ["12-29..01-03", "2026-08-14", "06-01"]
`)
	for _, tt := range []struct {
		at      string
		working bool
	}{
		{"2025-12-29 11:00", false}, // Monday, start of the year-end break
		{"2026-01-02 11:00", false}, // Friday inside the break, across the new year
		{"2026-01-05 11:00", true},  // Monday after it
		{"2026-08-14 11:00", false}, // one-off
		{"2027-08-13 11:00", true},  // the one-off is not yearly
		{"2026-06-01 11:00", false}, // yearly
	} {
		if working, _ := r.BusinessHours(jst(t, tt.at)); working != tt.working {
			t.Errorf("%s: working = %v, want %v", tt.at, working, tt.working)
		}
	}
}

func TestBusinessHours_Configurable(t *testing.T) {
	r := mustRules(t, base+`
business_hours:
  location: Europe/Berlin
  weekdays: ["monday:thursday"]
  times: [{start_time: "09:00", end_time: "17:00"}]
  holidays: none
`)
	berlin, _ := time.LoadLocation("Europe/Berlin")
	for _, tt := range []struct {
		at      time.Time
		working bool
	}{
		{time.Date(2026, 1, 1, 10, 0, 0, 0, berlin), true},  // a Thursday; no holiday calendar
		{time.Date(2026, 1, 2, 10, 0, 0, 0, berlin), false}, // Friday is not a weekday here
		{time.Date(2026, 1, 5, 8, 59, 0, 0, berlin), false}, // before 09:00
		{time.Date(2026, 1, 5, 16, 59, 0, 0, berlin), true}, // before 17:00
		{time.Date(2026, 1, 5, 17, 0, 0, 0, berlin), false}, // end is exclusive
	} {
		if working, _ := r.BusinessHours(tt.at); working != tt.working {
			t.Errorf("%s: working = %v, want %v", tt.at, working, tt.working)
		}
	}
}
