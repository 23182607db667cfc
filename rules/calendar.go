package rules

import (
	"sync"
	"time"

	"github.com/rickar/cal/v2"

	"github.com/alertgate/alertgate/config"
	"github.com/alertgate/alertgate/internal/holidays"
)

// Calendar knows which days are holidays in one time zone, and which
// calendar says so: public holiday calendars (with their substitute and
// observed days) plus the company's own days off, listed in the
// configuration or in an iCalendar file.
type Calendar struct {
	loc        *time.Location
	public     []publicCalendar
	company    []config.DayRange
	file       string
	fileDays   []holidays.Day
	configured bool

	mu    sync.Mutex
	years map[int]map[date]Holiday // holidays by day, computed once per year
}

type publicCalendar struct {
	code string
	days []*cal.Holiday
}

// Holiday is a day off and the calendar that made it one.
type Holiday struct {
	// Name is the holiday's name ("Coming of Age Day").
	Name string
	// Calendar is where it comes from: a public calendar's code ("jp"),
	// "company_holidays", or the iCalendar file's name.
	Calendar string
}

// String is "Name (calendar)", or "" for no holiday.
func (h Holiday) String() string {
	if h.Name == "" {
		return ""
	}
	return h.Name + " (" + h.Calendar + ")"
}

type date struct {
	y int
	m time.Month
	d int
}

// NewCalendar returns the calendar of business_hours; nil business hours
// is a calendar in UTC without holidays.
func NewCalendar(bh *config.BusinessHours) (*Calendar, error) {
	c := &Calendar{loc: time.UTC, years: map[int]map[date]Holiday{}}
	if bh == nil {
		return c, nil
	}
	loc, err := time.LoadLocation(bh.Location)
	if err != nil {
		return nil, err
	}
	c.loc, c.configured, c.company, c.file, c.fileDays = loc, true, bh.CompanyHolidays, bh.CompanyCalendar, bh.CompanyDays
	for _, code := range bh.Holidays {
		days, ok := holidays.Lookup(code)
		if !ok {
			continue // validation reported it
		}
		c.public = append(c.public, publicCalendar{code: code, days: days})
	}
	return c, nil
}

// Location is the calendar's time zone.
func (c *Calendar) Location() *time.Location { return c.loc }

// Holiday returns the name of the holiday t falls on (in the calendar's
// time zone), or "" on a working day.
func (c *Calendar) Holiday(t time.Time) string { return c.HolidayOf(t).Name }

// HolidayOf returns the holiday t falls on and the calendar that made
// it one; the zero Holiday on a working day. The company's own days
// come first, then the public calendars in the configured order.
func (c *Calendar) HolidayOf(t time.Time) Holiday {
	t = t.In(c.loc)
	for _, r := range c.company {
		if r.Contains(t) {
			return Holiday{Name: "company holiday " + r.String(), Calendar: "company_holidays"}
		}
	}
	for _, d := range c.fileDays {
		if d.Contains(t.Year(), t.Month(), t.Day()) {
			return Holiday{Name: d.Name, Calendar: c.file}
		}
	}
	return c.year(t.Year())[date{t.Year(), t.Month(), t.Day()}]
}

// year computes a year's public holidays once and caches them.
func (c *Calendar) year(y int) map[date]Holiday {
	c.mu.Lock()
	defer c.mu.Unlock()
	if days, ok := c.years[y]; ok {
		return days
	}
	days := map[date]Holiday{}
	for i := len(c.public) - 1; i >= 0; i-- { // earlier calendars win
		pc := c.public[i]
		for _, h := range pc.days {
			actual, observed := h.Calc(y)
			for _, d := range []time.Time{actual, observed} {
				if !d.IsZero() && d.Year() == y {
					days[date{d.Year(), d.Month(), d.Day()}] = Holiday{Name: h.Name, Calendar: pc.code}
				}
			}
		}
	}
	c.years[y] = days
	return days
}
