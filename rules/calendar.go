package rules

import (
	"sync"
	"time"

	"github.com/rickar/cal/v2"
	"github.com/rickar/cal/v2/jp"

	"github.com/alertgate/alertgate/config"
)

// Calendar knows which days are holidays in one time zone: a country's
// public holidays (with their substitute and citizens' holidays) plus the
// company's own days off.
type Calendar struct {
	loc     *time.Location
	public  []*cal.Holiday
	company []config.DayRange

	mu    sync.Mutex
	years map[int]map[date]string // holiday name by day, computed once per year
}

type date struct {
	y int
	m time.Month
	d int
}

// NewCalendar returns the calendar of business_hours.
func NewCalendar(bh config.BusinessHours) (*Calendar, error) {
	loc, err := time.LoadLocation(bh.Location)
	if err != nil {
		return nil, err
	}
	c := &Calendar{loc: loc, company: bh.CompanyHolidays, years: map[int]map[date]string{}}
	if bh.Holidays == "jp" {
		// Clones: some of the library's date functions write to the
		// holiday they compute, which must not be a shared global.
		for _, h := range jp.Holidays {
			c.public = append(c.public, h.Clone(nil))
		}
	}
	return c, nil
}

// Location is the calendar's time zone.
func (c *Calendar) Location() *time.Location { return c.loc }

// Holiday returns the name of the holiday t falls on (in the calendar's
// time zone), or "" on a working day.
func (c *Calendar) Holiday(t time.Time) string {
	t = t.In(c.loc)
	for _, r := range c.company {
		if r.Contains(t) {
			return "company holiday"
		}
	}
	return c.year(t.Year())[date{t.Year(), t.Month(), t.Day()}]
}

// year computes a year's public holidays once and caches them.
func (c *Calendar) year(y int) map[date]string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if days, ok := c.years[y]; ok {
		return days
	}
	days := map[date]string{}
	for _, h := range c.public {
		actual, observed := h.Calc(y)
		for _, d := range []time.Time{actual, observed} {
			if !d.IsZero() && d.Year() == y {
				days[date{d.Year(), d.Month(), d.Day()}] = h.Name
			}
		}
	}
	c.years[y] = days
	return days
}
