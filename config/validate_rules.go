package config

import (
	"fmt"
	"time"

	"github.com/prometheus/alertmanager/timeinterval"
	"github.com/prometheus/common/model"
)

// Names of the built-in time intervals.
const (
	IntervalBusinessHours = "business_hours"
	IntervalHolidays      = "holidays"
)

func (c *Config) validateTime(v *validator) {
	if _, err := time.LoadLocation(c.BusinessHours.Location); err != nil {
		v.add("business_hours.location", "unknown time zone %q", c.BusinessHours.Location)
	}
	switch c.BusinessHours.Holidays {
	case "jp", "none":
	default:
		v.add("business_hours.holidays", "must be jp or none, got %q", c.BusinessHours.Holidays)
	}
	for i, ti := range c.TimeIntervals {
		path := fmt.Sprintf("time_intervals[%d]", i)
		switch {
		case ti.Name == "":
			v.add(path+".name", "must not be empty")
		case ti.Name == IntervalBusinessHours || ti.Name == IntervalHolidays:
			v.add(path+".name", "%q is built in; configure it under business_hours", ti.Name)
		}
		if len(ti.TimeIntervals) == 0 {
			v.add(path+".time_intervals", "must not be empty")
		}
	}
	known := c.intervalNames()
	seen := map[string]bool{}
	for i, ti := range c.TimeIntervals {
		if seen[ti.Name] {
			v.add(fmt.Sprintf("time_intervals[%d].name", i), "duplicate time interval %q", ti.Name)
		}
		seen[ti.Name] = true
	}
	if c.Route == nil {
		return
	}
	c.Route.visit("route", func(path string, r *Route) {
		for j, name := range r.MuteTimeIntervals {
			if !known[name] {
				v.add(fmt.Sprintf("%s.mute_time_intervals[%d]", path, j), "undefined time interval %q", name)
			}
		}
		for j, name := range r.ActiveTimeIntervals {
			if !known[name] {
				v.add(fmt.Sprintf("%s.active_time_intervals[%d]", path, j), "undefined time interval %q", name)
			}
		}
	})
}

// intervalNames returns every time interval a route may name.
func (c *Config) intervalNames() map[string]bool {
	known := map[string]bool{IntervalBusinessHours: true, IntervalHolidays: true}
	for _, ti := range c.TimeIntervals {
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

// validateOverlaps rejects a route whose mute_time_intervals overlap its
// active_time_intervals: during the overlap it would never notify, which
// is never what the author meant. Intervals are sampled every 15 minutes
// over a year (holidays are ignored for business_hours here).
func (c *Config) validateOverlaps(v *validator) {
	if c.Route == nil {
		return
	}
	named := c.sampledIntervals()
	c.Route.visit("route", func(path string, r *Route) {
		if len(r.MuteTimeIntervals) == 0 || len(r.ActiveTimeIntervals) == 0 {
			return
		}
		if at, ok := firstOverlap(named, r.MuteTimeIntervals, r.ActiveTimeIntervals); ok {
			v.add(path+".mute_time_intervals", "overlaps active_time_intervals (for example %s): the route would never notify then", at.Format("Mon 15:04 MST"))
		}
	})
}

func (c *Config) sampledIntervals() map[string][]timeinterval.TimeInterval {
	named := map[string][]timeinterval.TimeInterval{}
	for _, ti := range c.TimeIntervals {
		named[ti.Name] = ti.TimeIntervals
	}
	bh := c.BusinessHours
	if loc, err := time.LoadLocation(bh.Location); err == nil {
		named[IntervalBusinessHours] = []timeinterval.TimeInterval{{Weekdays: bh.Weekdays, Times: bh.Times, Location: &timeinterval.Location{Location: loc}}}
	}
	return named
}

func firstOverlap(named map[string][]timeinterval.TimeInterval, a, b []string) (time.Time, bool) {
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
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for t := start; t.Before(start.AddDate(1, 0, 0)); t = t.Add(15 * time.Minute) {
		if in(a, t) && in(b, t) {
			return t, true
		}
	}
	return time.Time{}, false
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
