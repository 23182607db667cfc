package holidays

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"time"
)

// Day is one day off, or a run of them, from an iCalendar file: the
// dates from Start to End (exclusive), every year when Yearly.
type Day struct {
	Name       string
	Start, End time.Time // dates, at midnight UTC
	Yearly     bool
	// Until is the last day a yearly repetition may start (inclusive);
	// zero means never.
	Until time.Time
}

// Contains reports whether the calendar date y-m-d is one of the days.
func (d Day) Contains(y int, m time.Month, day int) bool {
	t := time.Date(y, m, day, 0, 0, 0, 0, time.UTC)
	if !t.Before(d.Start) && t.Before(d.End) {
		return true
	}
	if !d.Yearly || t.Before(d.Start) {
		return false
	}
	// The occurrence of the run that starts in t's year, or in the year
	// before when the run crosses a new year; Until bounds when an
	// occurrence may start.
	for _, shift := range []int{0, -1} {
		years := y - d.Start.Year() + shift
		if years < 0 {
			continue
		}
		s, e := d.Start.AddDate(years, 0, 0), d.End.AddDate(years, 0, 0)
		if !d.Until.IsZero() && s.After(d.Until) {
			continue
		}
		if !t.Before(s) && t.Before(e) {
			return true
		}
	}
	return false
}

// ParseICS reads the events of an iCalendar file (RFC 5545) as days off:
// all-day events (DTSTART;VALUE=DATE) and timed ones (the dates they
// touch), once or yearly (RRULE:FREQ=YEARLY, with UNTIL or COUNT).
// Cancelled events are skipped. Other recurrences are refused with the
// line, rather than guessed: a wrong day off hides a page.
func ParseICS(r io.Reader) ([]Day, error) {
	lines, err := unfold(r)
	if err != nil {
		return nil, err
	}
	var (
		out []Day
		cur *event
	)
	for _, l := range lines {
		name, params, value := splitProperty(l.text)
		switch {
		case name == "BEGIN" && strings.EqualFold(value, "VEVENT"):
			cur = &event{line: l.n}
		case name == "END" && strings.EqualFold(value, "VEVENT") && cur != nil:
			d, ok, err := cur.day()
			if err != nil {
				return nil, fmt.Errorf("line %d: %w", cur.line, err)
			}
			if ok {
				out = append(out, d)
			}
			cur = nil
		case cur != nil:
			if err := cur.set(name, params, value); err != nil {
				return nil, fmt.Errorf("line %d: %s: %w", l.n, name, err)
			}
		}
	}
	if cur != nil {
		return nil, fmt.Errorf("line %d: VEVENT without END:VEVENT", cur.line)
	}
	return out, nil
}

type line struct {
	n    int
	text string
}

// unfold joins continuation lines (starting with a space or tab) to the
// line before them, keeping each logical line's first line number.
func unfold(r io.Reader) ([]line, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var out []line
	n := 0
	for sc.Scan() {
		n++
		t := strings.TrimRight(sc.Text(), "\r")
		if (strings.HasPrefix(t, " ") || strings.HasPrefix(t, "\t")) && len(out) > 0 {
			out[len(out)-1].text += t[1:]
			continue
		}
		if t != "" {
			out = append(out, line{n: n, text: t})
		}
	}
	return out, sc.Err()
}

// splitProperty splits "DTSTART;VALUE=DATE:20260429" into its name,
// parameters and value.
func splitProperty(s string) (name, params, value string) {
	head, value, _ := strings.Cut(s, ":")
	name, params, _ = strings.Cut(head, ";")
	return strings.ToUpper(name), strings.ToUpper(params), value
}

type event struct {
	line              int
	summary           string
	start, end        time.Time
	cancelled, yearly bool
	until             time.Time
	count             int
}

func (e *event) set(name, params, value string) error {
	var err error
	switch name {
	case "SUMMARY":
		e.summary = unescape(value)
	case "DTSTART":
		e.start, err = parseDate(value)
	case "DTEND":
		e.end, err = parseDate(value)
		if err == nil && !strings.Contains(params, "VALUE=DATE") && strings.Contains(value, "T") && !strings.HasSuffix(value, "T000000") && !strings.HasSuffix(value, "T000000Z") {
			// A timed event ending during a day includes that day.
			e.end = e.end.AddDate(0, 0, 1)
		}
	case "STATUS":
		e.cancelled = strings.EqualFold(value, "CANCELLED")
	case "RRULE":
		return e.rule(value)
	}
	return err
}

func (e *event) rule(value string) error {
	for part := range strings.SplitSeq(value, ";") {
		k, v, _ := strings.Cut(part, "=")
		switch strings.ToUpper(k) {
		case "FREQ":
			if !strings.EqualFold(v, "YEARLY") {
				return fmt.Errorf("only FREQ=YEARLY recurrences are supported, got %q (list the days instead)", v)
			}
			e.yearly = true
		case "UNTIL":
			t, err := parseDate(v)
			if err != nil {
				return err
			}
			e.until = t
		case "COUNT":
			if _, err := fmt.Sscan(v, &e.count); err != nil || e.count < 1 {
				return fmt.Errorf("COUNT %q is not a positive number", v)
			}
		case "INTERVAL":
			if v != "1" {
				return fmt.Errorf("INTERVAL=%s is not supported", v)
			}
		case "BYMONTH", "BYMONTHDAY", "WKST":
			// Redundant with DTSTART for a yearly day.
		default:
			return fmt.Errorf("RRULE part %s is not supported (list the days instead)", k)
		}
	}
	return nil
}

func (e *event) day() (Day, bool, error) {
	if e.cancelled {
		return Day{}, false, nil
	}
	if e.start.IsZero() {
		return Day{}, false, fmt.Errorf("VEVENT without DTSTART")
	}
	end := e.end
	if end.IsZero() || !end.After(e.start) {
		end = e.start.AddDate(0, 0, 1)
	}
	d := Day{Name: e.summary, Start: e.start, End: end, Yearly: e.yearly, Until: e.until}
	if e.count > 0 {
		d.Until = e.start.AddDate(e.count-1, 0, 0)
	}
	if d.Name == "" {
		d.Name = "day off"
	}
	return d, true, nil
}

// parseDate reads a DATE (20260429) or DATE-TIME (20260429T090000[Z]),
// keeping only the date.
func parseDate(v string) (time.Time, error) {
	v = strings.TrimSpace(v)
	if len(v) < 8 {
		return time.Time{}, fmt.Errorf("%q is not an iCalendar date", v)
	}
	t, err := time.Parse("20060102", v[:8])
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not an iCalendar date", v)
	}
	return t, nil
}

// unescape undoes iCalendar text escaping.
func unescape(s string) string {
	return strings.NewReplacer(`\n`, " ", `\N`, " ", `\,`, ",", `\;`, ";", `\\`, `\`).Replace(s)
}
