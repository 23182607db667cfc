package holidays

import (
	"strings"
	"testing"
	"time"
)

func TestParseICS_DaysOff(t *testing.T) {
	ics := strings.Join([]string{
		"BEGIN:VCALENDAR",
		"BEGIN:VEVENT",
		"SUMMARY:Year-end break, all",
		"  offices", // a folded line
		"DTSTART;VALUE=DATE:20251229",
		"DTEND;VALUE=DATE:20260104",
		"RRULE:FREQ=YEARLY;COUNT=3",
		"END:VEVENT",
		"BEGIN:VEVENT",
		"SUMMARY:Offsite",
		"DTSTART;TZID=Asia/Tokyo:20260610T090000",
		"DTEND;TZID=Asia/Tokyo:20260611T180000",
		"END:VEVENT",
		"BEGIN:VEVENT",
		"DTSTART:20260301",
		"RRULE:FREQ=YEARLY;UNTIL=20270301",
		"END:VEVENT",
		"END:VCALENDAR",
	}, "\r\n")
	days, err := ParseICS(strings.NewReader(ics))
	if err != nil {
		t.Fatal(err)
	}
	contains := func(s string) string {
		d, _ := time.Parse(time.DateOnly, s)
		for _, day := range days {
			if day.Contains(d.Year(), d.Month(), d.Day()) {
				return day.Name
			}
		}
		return ""
	}
	for _, tt := range []struct{ day, want string }{
		{"2025-12-29", "Year-end break, all offices"},
		{"2026-01-03", "Year-end break, all offices"}, // crosses the new year
		{"2026-01-04", ""},                            // DTEND is exclusive
		{"2027-01-02", "Year-end break, all offices"}, // second occurrence
		{"2027-12-30", "Year-end break, all offices"}, // third
		{"2028-12-30", ""},                            // COUNT=3 ends it
		{"2026-06-11", "Offsite"},                     // a timed event covers the days it touches
		{"2026-06-12", ""},
		{"2027-03-01", "day off"},
		{"2028-03-01", ""}, // past UNTIL
		{"2025-03-01", ""}, // before DTSTART
	} {
		if got := contains(tt.day); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.day, got, tt.want)
		}
	}
}

func TestParseICS_RefusesWhatItCannotReadExactly(t *testing.T) {
	for _, tt := range []struct{ name, ics, want string }{
		{"weekly", "BEGIN:VEVENT\nDTSTART:20260101\nRRULE:FREQ=WEEKLY\nEND:VEVENT\n", "line 3: RRULE: only FREQ=YEARLY"},
		{"every other year", "BEGIN:VEVENT\nDTSTART:20260101\nRRULE:FREQ=YEARLY;INTERVAL=2\nEND:VEVENT\n", "INTERVAL=2 is not supported"},
		{"no start", "BEGIN:VEVENT\nSUMMARY:x\nEND:VEVENT\n", "line 1: VEVENT without DTSTART"},
		{"bad date", "BEGIN:VEVENT\nDTSTART:2026-01-01\nEND:VEVENT\n", "line 2: DTSTART"},
		{"unterminated", "BEGIN:VEVENT\nDTSTART:20260101\n", "without END:VEVENT"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseICS(strings.NewReader(tt.ics))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestLookup_CodesAreCaseInsensitiveAndClones(t *testing.T) {
	a, ok := Lookup(" JP ")
	b, _ := Lookup("jp")
	if !ok || len(a) == 0 || &a[0] == &b[0] || a[0] == b[0] {
		t.Error("Lookup must return fresh clones for any case")
	}
	if _, ok := Lookup("xx"); ok {
		t.Error("unknown code found")
	}
}
