package rules

import (
	"fmt"
	"time"

	"github.com/prometheus/alertmanager/timeinterval"

	"github.com/alertgate/alertgate/config"
)

// intervals are the named time intervals routes refer to: the configured
// ones, evaluated by Alertmanager's timeinterval package, and the built-in
// business_hours and holidays.
type intervals struct {
	am       *timeinterval.Intervener
	calendar *Calendar
	// business is nil without business hours.
	business *timeinterval.TimeInterval
}

func newIntervals(cfg *config.Config, calendar *Calendar) *intervals {
	named := map[string][]timeinterval.TimeInterval{}
	for _, ti := range cfg.Intervals() {
		named[ti.Name] = ti.TimeIntervals
	}
	iv := &intervals{am: timeinterval.NewIntervener(named), calendar: calendar}
	if bh := cfg.BusinessHours; bh != nil {
		iv.business = &timeinterval.TimeInterval{
			Weekdays: bh.Weekdays,
			Times:    bh.Times,
			Location: &timeinterval.Location{Location: calendar.Location()},
		}
	}
	return iv
}

// contains reports whether t is inside the named interval.
func (iv *intervals) contains(name string, t time.Time) (bool, error) {
	switch name {
	case config.IntervalBusinessHours:
		return iv.businessHours(t), nil
	case config.IntervalHolidays:
		return iv.calendar.Holiday(t) != "", nil
	}
	ok, err := iv.am.ContainsTime([]string{name}, t)
	if err != nil {
		return false, fmt.Errorf("time interval %q: %w", name, err)
	}
	return ok, nil
}

// businessHours reports whether t is a working hour: inside the
// configured weekdays and times, and not a holiday.
func (iv *intervals) businessHours(t time.Time) bool {
	return iv.business != nil && iv.business.ContainsTime(t) && iv.calendar.Holiday(t) == ""
}

// anyContains reports the first of names whose interval contains t.
func (iv *intervals) anyContains(names []string, t time.Time) (string, bool) {
	for _, n := range names {
		if ok, err := iv.contains(n, t); err == nil && ok {
			return n, true
		}
	}
	return "", false
}
