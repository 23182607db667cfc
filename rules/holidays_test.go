package rules

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/alertgate/alertgate/config"
)

func TestHolidays_SeveralCountriesAndTheCalendarThatSaysSo(t *testing.T) {
	r := mustRules(t, `
business_hours:
  location: Europe/Berlin
  holidays: [de-by, us, jp]
`+base)
	berlin, _ := time.LoadLocation("Europe/Berlin")
	for _, tt := range []struct {
		day  string
		want string
	}{
		{"2026-01-06", "Heilige Drei Könige (de-by)"}, // Bavaria only
		{"2026-07-03", "Independence Day (us)"},       // observed on Friday
		{"2026-11-23", "Labor Thanksgiving Day (jp)"},
		{"2026-12-25", "Weihnachtstag (de-by)"}, // first calendar listed wins
		{"2026-01-07", ""},
	} {
		d, _ := time.ParseInLocation(time.DateOnly, tt.day, berlin)
		if got := r.calendar.HolidayOf(d.Add(11 * time.Hour)).String(); got != tt.want {
			t.Errorf("%s: holiday = %q, want %q", tt.day, got, tt.want)
		}
	}
}

func TestHolidays_CompanyCalendarFile(t *testing.T) {
	dir := t.TempDir()
	ics, err := os.ReadFile("testdata/days-off.ics")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "days-off.ics"), ics, 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "alertgate.yml")
	if err := os.WriteFile(path, []byte("business_hours: {location: Asia/Tokyo, holidays: jp, company_calendar: days-off.ics}\n"+base), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.LoadFile(path, func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	r, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ at, want string }{
		{"2027-03-12 11:00", "Founders' Day (days-off.ics)"}, // yearly since 2015
		{"2026-08-18 11:00", "Company offsite, all teams (days-off.ics)"},
		{"2026-08-19 11:00", ""}, // DTEND is exclusive
		{"2026-06-01 11:00", ""}, // cancelled
		{"2026-01-12 11:00", "Coming of Age Day (jp)"},
	} {
		if got := r.calendar.HolidayOf(jst(t, tt.at)).String(); got != tt.want {
			t.Errorf("%s: holiday = %q, want %q", tt.at, got, tt.want)
		}
	}
	e := r.Explain(t.Context(), map[string]string{"alertname": "x"}, jst(t, "2027-03-12 11:00"), nil)
	if e.Holiday != "Founders' Day (days-off.ics)" || e.BusinessHours {
		t.Errorf("routes test says %q, business hours %v", e.Holiday, e.BusinessHours)
	}
}

func TestBusinessHours_NoneConfiguredMeansNoTokyo(t *testing.T) {
	r := mustRules(t, base)
	if r.HasBusinessHours() || r.Location() != time.UTC {
		t.Errorf("a config without business_hours has business hours in %s", r.Location())
	}
	newYear := time.Date(2026, 1, 1, 3, 0, 0, 0, time.UTC)
	if working, holiday := r.BusinessHours(newYear); working || holiday != "" {
		t.Errorf("BusinessHours = %v, %q; want no hours and no holiday", working, holiday)
	}
	if !r.InBusinessHours(newYear) {
		t.Error("InBusinessHours is false: without business hours nothing may count as out of hours")
	}
	e := r.Explain(t.Context(), map[string]string{"alertname": "x"}, newYear, nil)
	if !e.NoBusinessHours || e.Holiday != "" {
		t.Errorf("explanation %+v", e)
	}
}
