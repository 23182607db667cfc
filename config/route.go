package config

import (
	amconfig "github.com/prometheus/alertmanager/config"
	amcommon "github.com/prometheus/alertmanager/config/common"
	"github.com/prometheus/common/model"
)

// Route is a node of the routing tree. Its keys are Alertmanager's, so an
// Alertmanager route tree can be pasted unchanged; alertgate's own
// extensions sit beside them.
type Route struct {
	Receiver            string                `yaml:"receiver,omitempty"`
	GroupBy             []string              `yaml:"group_by,omitempty"`
	Match               map[string]string     `yaml:"match,omitempty"`
	MatchRE             amcommon.MatchRegexps `yaml:"match_re,omitempty"`
	Matchers            amcommon.Matchers     `yaml:"matchers,omitempty"`
	MuteTimeIntervals   []string              `yaml:"mute_time_intervals,omitempty"`
	ActiveTimeIntervals []string              `yaml:"active_time_intervals,omitempty"`
	Continue            bool                  `yaml:"continue,omitempty"`
	Routes              []*Route              `yaml:"routes,omitempty"`
	GroupWait           *model.Duration       `yaml:"group_wait,omitempty"`
	GroupInterval       *model.Duration       `yaml:"group_interval,omitempty"`
	RepeatInterval      *model.Duration       `yaml:"repeat_interval,omitempty"`
	// Labels are attached to the route and inherited by its children
	// (Alertmanager 0.35): values are templates, rendered per
	// notification, that templates read with routeLabels and webhooks
	// receive as routeLabels.
	Labels model.LabelSet `yaml:"labels,omitempty"`

	// Escalate sends the route's incidents to another receiver when they
	// are not acknowledged in time. It is not inherited.
	Escalate *Escalation `yaml:"escalate,omitempty"`
	// Correlate, when false, keeps this route's alerts out of
	// cross-source incidents (group_by applies as usual).
	Correlate *bool `yaml:"correlate,omitempty"`
	// Noise is the route's noise policy; what it leaves out is inherited.
	Noise *RouteNoise `yaml:"noise,omitempty"`
}

// Correlates reports whether the route takes part in correlation.
func (r *Route) Correlates() bool { return r.Correlate == nil || *r.Correlate }

// Alertmanager returns the route tree as Alertmanager's own configuration
// type, so that Alertmanager's dispatch package can evaluate it with
// exactly Alertmanager's semantics. Extensions are left out; callers map
// them back by position (see Walk).
func (r *Route) Alertmanager() *amconfig.Route {
	out := &amconfig.Route{
		Receiver:            r.Receiver,
		GroupByStr:          r.GroupBy,
		Match:               r.Match,
		MatchRE:             r.MatchRE,
		Matchers:            r.Matchers,
		MuteTimeIntervals:   r.MuteTimeIntervals,
		ActiveTimeIntervals: r.ActiveTimeIntervals,
		Continue:            r.Continue,
		GroupWait:           r.GroupWait,
		GroupInterval:       r.GroupInterval,
		RepeatInterval:      r.RepeatInterval,
		Labels:              r.Labels,
	}
	for _, l := range r.GroupBy {
		if l == "..." {
			out.GroupByAll = true
			continue
		}
		out.GroupBy = append(out.GroupBy, model.LabelName(l))
	}
	if r.GroupBy != nil && len(r.GroupBy) == 0 {
		out.GroupBy = []model.LabelName{}
	}
	for _, c := range r.Routes {
		out.Routes = append(out.Routes, c.Alertmanager())
	}
	return out
}

// Walk visits the tree in the order Alertmanager's dispatch package
// numbers routes (children before their parent), passing each node's
// index, which equals dispatch.Route.Idx.
func (r *Route) Walk(visit func(idx int, r *Route)) {
	n := 0
	r.walk(&n, visit)
}

func (r *Route) walk(n *int, visit func(int, *Route)) {
	for _, c := range r.Routes {
		c.walk(n, visit)
	}
	visit(*n, r)
	*n++
}
