package config

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/prometheus/alertmanager/timeinterval"
	"github.com/prometheus/common/model"

	"github.com/alertgate/alertgate/internal/holidays"
)

// Names of the built-in time intervals. They are namespaced so that a
// configuration may define its own "business_hours" or "holidays", as
// real Alertmanager configurations often do.
const (
	IntervalBusinessHours = "alertgate:business_hours"
	IntervalHolidays      = "alertgate:holidays"
	// builtinPrefix starts every name alertgate reserves.
	builtinPrefix = "alertgate:"
)

// Intervals lists every named time interval: time_intervals, then
// Alertmanager's older top-level mute_time_intervals.
func (c *Config) Intervals() []TimeInterval {
	return append(append([]TimeInterval(nil), c.TimeIntervals...), c.MuteTimeIntervals...)
}

func (c *Config) validateTime(v *validator) {
	c.validateBusinessHours(v)
	seen := map[string]bool{}
	for key, list := range map[string][]TimeInterval{"time_intervals": c.TimeIntervals, "mute_time_intervals": c.MuteTimeIntervals} {
		for i, ti := range list {
			path := fmt.Sprintf("%s[%d]", key, i)
			switch {
			case ti.Name == "":
				v.add(path+".name", "must not be empty")
			case strings.HasPrefix(ti.Name, builtinPrefix):
				v.add(path+".name", "%q: names starting with %q are alertgate's own", ti.Name, builtinPrefix)
			case seen[ti.Name]:
				v.add(path+".name", "duplicate time interval %q", ti.Name)
			}
			seen[ti.Name] = true
			if len(ti.TimeIntervals) == 0 {
				v.add(path+".time_intervals", "must not be empty")
			}
		}
	}
	if c.Route == nil {
		return
	}
	known := c.intervalNames()
	c.Route.visit("route", func(path string, r *Route) {
		for key, names := range map[string][]string{"mute_time_intervals": r.MuteTimeIntervals, "active_time_intervals": r.ActiveTimeIntervals} {
			for j, name := range names {
				if !known[name] {
					v.add(fmt.Sprintf("%s.%s[%d]", path, key, j), "%s", c.undefinedInterval(name))
				}
			}
		}
	})
}

// undefinedInterval explains a route's reference to an interval that
// does not exist, with the likely fix.
func (c *Config) undefinedInterval(name string) string {
	switch {
	case name == IntervalBusinessHours || name == IntervalHolidays:
		return fmt.Sprintf("%q needs a business_hours section (location, and holidays if any)", name)
	case name == "business_hours" || name == "holidays":
		return fmt.Sprintf("undefined time interval %q: the built-in one is now %q (define your own under time_intervals, or rename the reference)", name, builtinPrefix+name)
	}
	return fmt.Sprintf("undefined time interval %q", name)
}

func (c *Config) validateBusinessHours(v *validator) {
	bh := c.BusinessHours
	if bh == nil {
		return
	}
	if bh.Location == "" {
		v.add("business_hours.location", "must be set: the time zone business hours are in (e.g. Asia/Tokyo, Europe/Berlin)")
	} else if _, err := time.LoadLocation(bh.Location); err != nil {
		v.add("business_hours.location", "unknown time zone %q", bh.Location)
	}
	for i, code := range bh.Holidays {
		if _, ok := holidays.Lookup(code); !ok {
			v.add(fmt.Sprintf("business_hours.holidays[%d]", i), "unknown holiday calendar %q; known: %s, or none", code, strings.Join(holidays.Codes(), ", "))
		}
	}
	if bh.CompanyCalendar != "" {
		days, err := readCalendar(c.Path(bh.CompanyCalendar))
		if err != nil {
			v.add("business_hours.company_calendar", "%v", err)
		}
		bh.CompanyDays = days
	}
}

func readCalendar(path string) ([]holidays.Day, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	days, err := holidays.ParseICS(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return days, nil
}

// intervalNames returns every time interval a route may name.
func (c *Config) intervalNames() map[string]bool {
	known := map[string]bool{}
	if c.BusinessHours != nil {
		known[IntervalBusinessHours], known[IntervalHolidays] = true, true
	}
	for _, ti := range c.Intervals() {
		known[ti.Name] = true
	}
	return known
}

func (c *Config) validateEscalations(v *validator) {
	if c.Route == nil {
		return
	}
	known := c.receiverNames()
	c.Route.visit("route", func(path string, r *Route) {
		e := r.Escalate
		if e == nil {
			return
		}
		if e.After <= 0 {
			v.add(path+".escalate.after", "must be a positive duration")
		}
		if !known[e.Receiver] {
			v.add(path+".escalate.receiver", "unknown receiver %q", e.Receiver)
		}
	})
}

func (c *Config) receiverNames() map[string]bool {
	known := map[string]bool{}
	for _, r := range c.Receivers {
		known[r.Name] = true
	}
	return known
}

func (c *Config) validateInhibitRules(v *validator) {
	for i, r := range c.InhibitRules {
		path := fmt.Sprintf("inhibit_rules[%d]", i)
		if len(r.SourceMatchers)+len(r.SourceMatch)+len(r.SourceMatchRE) == 0 {
			v.add(path+".source_matchers", "must not be empty: an empty source would let any alert inhibit")
		}
		if len(r.TargetMatchers)+len(r.TargetMatch)+len(r.TargetMatchRE) == 0 {
			v.add(path+".target_matchers", "must not be empty: an empty target would inhibit every alert")
		}
	}
}

func (c *Config) validateMaintenance(v *validator) {
	for i, w := range c.MaintenanceWindows {
		path := fmt.Sprintf("maintenance_windows[%d]", i)
		if w.Name == "" {
			v.add(path+".name", "must not be empty")
		}
		if len(w.Matchers) == 0 {
			v.add(path+".matchers", "must not be empty: a window without matchers would silence everything")
		}
		if len(w.TimeIntervals) == 0 {
			v.add(path+".time_intervals", "must not be empty")
		}
	}
}

func (c *Config) validateOnCall(v *validator) {
	names := map[string]bool{}
	for i, o := range c.OnCall {
		path := fmt.Sprintf("oncall[%d]", i)
		if o.Name == "" {
			v.add(path+".name", "must not be empty")
		} else if names[o.Name] {
			v.add(path+".name", "duplicate on-call schedule %q", o.Name)
		}
		names[o.Name] = true
		if (o.PagerDuty == nil) == (o.Rotation == nil) {
			v.add(path, "set exactly one of pagerduty and rotation")
		}
		if pd := o.PagerDuty; pd != nil {
			if pd.ScheduleID == "" {
				v.add(path+".pagerduty.schedule_id", "must not be empty")
			}
			if !pd.Token.IsSet() && !c.Notify.DryRun {
				v.add(path+".pagerduty.token", "must be set (a REST API token with read access)")
			}
		}
		if r := o.Rotation; r != nil {
			if len(r.Members) == 0 {
				v.add(path+".rotation.members", "must not be empty")
			}
			if r.Start.IsZero() {
				v.add(path+".rotation.start", "must be set (YYYY-MM-DD, a day of the first member's week)")
			}
			if _, err := time.LoadLocation(r.Location); err != nil {
				v.add(path+".rotation.location", "unknown time zone %q", r.Location)
			}
		}
	}
	for i, r := range c.Receivers {
		if r.OnCall != "" && !names[r.OnCall] {
			v.add(fmt.Sprintf("receivers[%d].oncall", i), "unknown on-call schedule %q", r.OnCall)
		}
	}
}

// validateOverlaps rejects a route whose mute_time_intervals cover all
// of its active_time_intervals: it would never notify, which is never
// what the author meant. A partial overlap is the common "business hours
// except holidays" and is fine. Intervals are sampled every 15 minutes
// over a year (holidays are ignored for the built-in business hours
// here).
func (c *Config) validateOverlaps(v *validator) {
	if c.Route == nil {
		return
	}
	named := c.sampledIntervals()
	c.Route.visit("route", func(path string, r *Route) {
		if len(r.MuteTimeIntervals) == 0 || len(r.ActiveTimeIntervals) == 0 {
			return
		}
		if alwaysMuted(named, r.MuteTimeIntervals, r.ActiveTimeIntervals) {
			v.add(path+".mute_time_intervals", "covers every time of active_time_intervals: the route would never notify")
		}
	})
}

func (c *Config) sampledIntervals() map[string][]timeinterval.TimeInterval {
	named := map[string][]timeinterval.TimeInterval{}
	for _, ti := range c.Intervals() {
		named[ti.Name] = ti.TimeIntervals
	}
	bh := c.BusinessHours
	if bh == nil {
		return named
	}
	if loc, err := time.LoadLocation(bh.Location); err == nil {
		named[IntervalBusinessHours] = []timeinterval.TimeInterval{{Weekdays: bh.Weekdays, Times: bh.Times, Location: &timeinterval.Location{Location: loc}}}
	}
	return named
}

// alwaysMuted reports whether every sampled time inside an active
// interval is also inside a mute interval.
func alwaysMuted(named map[string][]timeinterval.TimeInterval, mute, active []string) bool {
	in := func(names []string, t time.Time) bool {
		for _, n := range names {
			for _, ti := range named[n] {
				if ti.ContainsTime(t) {
					return true
				}
			}
		}
		return false
	}
	activeSeen := false
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for t := start; t.Before(start.AddDate(1, 0, 0)); t = t.Add(15 * time.Minute) {
		if !in(active, t) {
			continue
		}
		activeSeen = true
		if !in(mute, t) {
			return false
		}
	}
	return activeSeen
}

func (c *Config) validateServices(v *validator) {
	names := map[string]bool{}
	for i, s := range c.Services {
		path := fmt.Sprintf("services[%d]", i)
		switch {
		case s.Name == "":
			v.add(path+".name", "must not be empty")
		case names[s.Name]:
			v.add(path+".name", "duplicate service %q", s.Name)
		}
		names[s.Name] = true
		if len(s.Match) == 0 {
			v.add(path+".match", "must list at least one matcher set")
		}
		for j, set := range s.Match {
			if len(set) == 0 {
				v.add(fmt.Sprintf("%s.match[%d]", path, j), "an empty matcher set would claim every alert")
			}
		}
	}
	for i, s := range c.Services {
		for j, d := range s.DependsOn {
			if !names[d] || d == s.Name {
				v.add(fmt.Sprintf("services[%d].depends_on[%d]", i, j), "must name another service, got %q", d)
			}
		}
	}
	cr := c.Correlation
	if !cr.Enabled {
		return
	}
	if len(c.Services) == 0 && len(cr.Labels) == 0 {
		v.add("correlation.enabled", "needs a service catalog (services) or correlation labels (correlation.labels)")
	}
	for i, l := range cr.Labels {
		if !model.LabelName(l).IsValid() {
			v.add(fmt.Sprintf("correlation.labels[%d]", i), "invalid label name %q", l)
		}
	}
	v.positive("correlation.window", cr.Window)
	v.positive("correlation.cooldown", cr.Cooldown)
	v.positive("correlation.max_age", cr.MaxAge)
	if cr.MaxMembers <= 0 {
		v.add("correlation.max_members", "must be positive")
	}
}
