package config

import (
	"fmt"
	"strings"
	"time"
)

// DayRange is one entry of business_hours.company_holidays: a single day
// or an inclusive range of days, every year (Year 0) or in one year.
type DayRange struct {
	Year     int
	From, To MonthDay
}

// MonthDay is a calendar day without a year.
type MonthDay struct {
	Month time.Month
	Day   int
}

func (d MonthDay) before(o MonthDay) bool {
	return d.Month < o.Month || d.Month == o.Month && d.Day < o.Day
}

// Contains reports whether the calendar day of t (in t's location) is in
// the range. A range whose end is before its start crosses the new year.
func (r DayRange) Contains(t time.Time) bool {
	if r.Year != 0 && t.Year() != r.Year {
		return false
	}
	d := MonthDay{t.Month(), t.Day()}
	if r.To.before(r.From) {
		return !d.before(r.From) || !r.To.before(d)
	}
	return !d.before(r.From) && !r.To.before(d)
}

// UnmarshalYAML parses "MM-DD", "YYYY-MM-DD" or "MM-DD..MM-DD".
func (r *DayRange) UnmarshalYAML(unmarshal func(any) error) error {
	var s string
	if err := unmarshal(&s); err != nil {
		return err
	}
	p, err := ParseDayRange(s)
	if err != nil {
		return err
	}
	*r = p
	return nil
}

// MarshalYAML writes the range back in its input form.
func (r DayRange) MarshalYAML() (any, error) { return r.String(), nil }

func (r DayRange) String() string {
	switch {
	case r.Year != 0:
		return fmt.Sprintf("%04d-%02d-%02d", r.Year, r.From.Month, r.From.Day)
	case r.From == r.To:
		return fmt.Sprintf("%02d-%02d", r.From.Month, r.From.Day)
	}
	return fmt.Sprintf("%02d-%02d..%02d-%02d", r.From.Month, r.From.Day, r.To.Month, r.To.Day)
}

// ParseDayRange parses a company holiday entry.
func ParseDayRange(s string) (DayRange, error) {
	s = strings.TrimSpace(s)
	if from, to, ok := strings.Cut(s, ".."); ok {
		a, errA := parseMonthDay(from)
		b, errB := parseMonthDay(to)
		if errA != nil || errB != nil {
			return DayRange{}, fmt.Errorf("company holiday range %q: want MM-DD..MM-DD", s)
		}
		return DayRange{From: a, To: b}, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		d := MonthDay{t.Month(), t.Day()}
		return DayRange{Year: t.Year(), From: d, To: d}, nil
	}
	d, err := parseMonthDay(s)
	if err != nil {
		return DayRange{}, fmt.Errorf("company holiday %q: want MM-DD, YYYY-MM-DD or MM-DD..MM-DD", s)
	}
	return DayRange{From: d, To: d}, nil
}

func parseMonthDay(s string) (MonthDay, error) {
	// 2024 is a leap year, so 02-29 is accepted.
	t, err := time.Parse("2006-01-02", "2024-"+strings.TrimSpace(s))
	if err != nil {
		return MonthDay{}, err
	}
	return MonthDay{t.Month(), t.Day()}, nil
}

// Weekly is a moment in the week: a weekday and a time of day, written
// "monday 10:00".
type Weekly struct {
	Weekday time.Weekday
	Minute  int // minutes after midnight
}

// UnmarshalYAML parses "monday 10:00".
func (w *Weekly) UnmarshalYAML(unmarshal func(any) error) error {
	var s string
	if err := unmarshal(&s); err != nil {
		return err
	}
	day, clock, ok := strings.Cut(strings.TrimSpace(s), " ")
	if !ok {
		return fmt.Errorf("handover %q: want \"<weekday> HH:MM\"", s)
	}
	for wd := time.Sunday; wd <= time.Saturday; wd++ {
		if strings.EqualFold(day, wd.String()) {
			t, err := time.Parse("15:04", strings.TrimSpace(clock))
			if err != nil {
				return fmt.Errorf("handover %q: time must be HH:MM", s)
			}
			*w = Weekly{Weekday: wd, Minute: t.Hour()*60 + t.Minute()}
			return nil
		}
	}
	return fmt.Errorf("handover %q: unknown weekday %q", s, day)
}

// MarshalYAML writes "monday 10:00".
func (w Weekly) MarshalYAML() (any, error) {
	return fmt.Sprintf("%s %02d:%02d", strings.ToLower(w.Weekday.String()), w.Minute/60, w.Minute%60), nil
}

// Date is a calendar date written YYYY-MM-DD.
type Date struct{ time.Time }

// UnmarshalYAML parses YYYY-MM-DD.
func (d *Date) UnmarshalYAML(unmarshal func(any) error) error {
	var s string
	if err := unmarshal(&s); err != nil {
		return err
	}
	t, err := time.Parse(time.DateOnly, strings.TrimSpace(s))
	if err != nil {
		return fmt.Errorf("date %q: want YYYY-MM-DD", s)
	}
	d.Time = t
	return nil
}

// MarshalYAML writes YYYY-MM-DD.
func (d Date) MarshalYAML() (any, error) { return d.Format(time.DateOnly), nil }
