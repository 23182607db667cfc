package config

import (
	"fmt"
	"strings"

	amcommon "github.com/prometheus/alertmanager/config/common"
	"github.com/prometheus/alertmanager/timeinterval"
	"github.com/prometheus/common/model"

	"github.com/alertgate/alertgate/internal/holidays"
)

// TimeInterval is a named set of Alertmanager time intervals, usable in a
// route's mute_time_intervals and active_time_intervals.
type TimeInterval struct {
	Name          string                      `yaml:"name"`
	TimeIntervals []timeinterval.TimeInterval `yaml:"time_intervals"`
}

// BusinessHours defines the built-in `alertgate:business_hours` time
// interval: the given weekdays and times in Location, except public
// holidays and the company's own days off. The built-in
// `alertgate:holidays` interval is every holiday, all day. Without a
// business_hours section there are no business hours: routes cannot
// name the built-in intervals, and no time zone or holiday calendar is
// assumed.
type BusinessHours struct {
	// Location is the IANA time zone (required), e.g. Asia/Tokyo.
	Location string `yaml:"location"`
	// Weekdays are Alertmanager weekday ranges, default monday:friday.
	Weekdays []timeinterval.WeekdayRange `yaml:"weekdays"`
	// Times are Alertmanager time ranges, default 10:00–19:00.
	Times []timeinterval.TimeRange `yaml:"times"`
	// Holidays names public holiday calendars: a country code ("jp",
	// "us", "gb"), a subdivision ("de-by", "au-nsw"), a list of them for
	// teams in several countries, or "none" (the default).
	Holidays HolidayCalendars `yaml:"holidays"`
	// CompanyHolidays are extra days off: "MM-DD" every year, "YYYY-MM-DD"
	// once, or a range "12-29..01-03" (which may cross the new year).
	CompanyHolidays []DayRange `yaml:"company_holidays"`
	// CompanyCalendar is an iCalendar file (.ics, relative to the
	// configuration file) of the company's days off: all-day events, once
	// or yearly.
	CompanyCalendar string `yaml:"company_calendar"`

	// CompanyDays are the days of CompanyCalendar, read when the
	// configuration is loaded.
	CompanyDays []holidays.Day `yaml:"-"`
}

// HolidayCalendars names public holiday calendars: one code or a list
// of them in YAML.
type HolidayCalendars []string

// UnmarshalYAML reads one code or a list; "none" is no calendar.
func (h *HolidayCalendars) UnmarshalYAML(unmarshal func(any) error) error {
	var one string
	if err := unmarshal(&one); err == nil {
		*h = HolidayCalendars{one}
	} else {
		var list []string
		if err := unmarshal(&list); err != nil {
			return fmt.Errorf("holidays: want a calendar code or a list of them")
		}
		*h = list
	}
	out := (*h)[:0]
	for _, c := range *h {
		if c = strings.ToLower(strings.TrimSpace(c)); c != "" && c != "none" {
			out = append(out, c)
		}
	}
	*h = out
	return nil
}

// MaintenanceWindow silences matching alerts during recurring or one-off
// time intervals, configured rather than created through the API.
type MaintenanceWindow struct {
	Name          string                      `yaml:"name"`
	Matchers      amcommon.Matchers           `yaml:"matchers"`
	TimeIntervals []timeinterval.TimeInterval `yaml:"time_intervals"`
	Comment       string                      `yaml:"comment,omitempty"`
}

// OnCall is a named on-call schedule: a PagerDuty schedule, or a local
// weekly rotation for teams without one.
type OnCall struct {
	Name      string             `yaml:"name"`
	PagerDuty *PagerDutySchedule `yaml:"pagerduty,omitempty"`
	Rotation  *Rotation          `yaml:"rotation,omitempty"`
}

// PagerDutySchedule reads who is on call from a PagerDuty schedule.
type PagerDutySchedule struct {
	ScheduleID string `yaml:"schedule_id"`
	// Token is a PagerDuty REST API token with read access.
	Token Secret `yaml:"token"`
	// URL is the REST API base, default https://api.pagerduty.com.
	URL string `yaml:"url,omitempty"`
	// CacheFor is how long an answer is reused, default 5m.
	CacheFor model.Duration `yaml:"cache_for,omitempty"`
}

// Rotation is a local weekly rotation: Members take turns, each for a
// week, handing over at Handover ("monday 10:00") in Location. Start is a
// date (YYYY-MM-DD) in the week Members[0] was on call.
type Rotation struct {
	Members  []string `yaml:"members"`
	Handover Weekly   `yaml:"handover"`
	Location string   `yaml:"location"`
	Start    Date     `yaml:"start"`
}

// Escalation sends an incident to another receiver when nobody
// acknowledged it in time ("Slack first, page if not acknowledged within
// N minutes").
type Escalation struct {
	After    model.Duration `yaml:"after"`
	Receiver string         `yaml:"receiver"`
}

// Service is one entry of the service catalog: the identifiers under
// which the monitoring tools know a service, so that its alerts from any
// source carry a `service` label and correlate into one incident.
type Service struct {
	Name string `yaml:"name"`
	// Match lists matcher sets, ORed: Prometheus labels (namespace, job),
	// CloudWatch dimensions (LoadBalancer, DBClusterIdentifier), New
	// Relic entities or tags.
	Match []amcommon.Matchers `yaml:"match"`
	// Owner is the owning team, added as an `owner` label.
	Owner string `yaml:"owner,omitempty"`
	// Tier is the service's criticality (1 is most critical), added as a
	// `tier` label.
	Tier int `yaml:"tier,omitempty"`
	// DependsOn lists services this one needs: an alert of one of them
	// during an incident of this one joins it.
	DependsOn []string `yaml:"depends_on,omitempty"`
}

// Correlation configures cross-source incidents.
type Correlation struct {
	// Enabled turns correlation on for every route that does not say
	// correlate: false.
	Enabled bool `yaml:"enabled"`
	// Window is how recently a service's incident must have grown for an
	// alert of one of its dependencies to join it.
	Window model.Duration `yaml:"window"`
	// Cooldown is how long after resolving an incident a new alert of its
	// service reopens it.
	Cooldown model.Duration `yaml:"cooldown"`
	// MaxMembers caps an incident; more alerts start a new one.
	MaxMembers int `yaml:"max_members"`
	// MaxAge is how long after it opened an incident takes new alerts of
	// its service: later ones start a new incident, so that a new problem
	// is not buried in one that has fired for hours.
	MaxAge model.Duration `yaml:"max_age"`
	// Labels are labels that name an alert's service for correlation
	// when the service catalog does not know the alert: the first one it
	// carries wins. The `service` label is not one by default: in
	// kube-prometheus it names the scrape target, not a business service.
	Labels []string `yaml:"labels"`
}
