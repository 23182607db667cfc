package config

import (
	amcommon "github.com/prometheus/alertmanager/config/common"
	"github.com/prometheus/alertmanager/timeinterval"
	"github.com/prometheus/common/model"
)

// TimeInterval is a named set of Alertmanager time intervals, usable in a
// route's mute_time_intervals and active_time_intervals.
type TimeInterval struct {
	Name          string                      `yaml:"name"`
	TimeIntervals []timeinterval.TimeInterval `yaml:"time_intervals"`
}

// BusinessHours defines the built-in `business_hours` time interval: the
// given weekdays and times in Location, except public holidays and the
// company's own holidays. The built-in `holidays` interval is every
// holiday, all day.
type BusinessHours struct {
	// Location is the IANA time zone, default Asia/Tokyo.
	Location string `yaml:"location"`
	// Weekdays are Alertmanager weekday ranges, default monday:friday.
	Weekdays []timeinterval.WeekdayRange `yaml:"weekdays"`
	// Times are Alertmanager time ranges, default 10:00–19:00.
	Times []timeinterval.TimeRange `yaml:"times"`
	// Holidays names the public holiday calendar: "jp" (default) or "none".
	Holidays string `yaml:"holidays"`
	// CompanyHolidays are extra days off: "MM-DD" every year, "YYYY-MM-DD"
	// once, or a range "12-29..01-03" (which may cross the new year).
	CompanyHolidays []DayRange `yaml:"company_holidays"`
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
