package rules

import (
	"encoding/binary"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/prometheus/alertmanager/dispatch"
	"github.com/prometheus/alertmanager/pkg/labels"
	"github.com/prometheus/common/model"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/config"
)

// Rules is a compiled configuration's routing policy.
type Rules struct {
	root   *dispatch.Route
	routes map[string]*Route
	// nodes finds a matched Alertmanager route's Route without computing
	// its ID, which Alertmanager rebuilds from its matchers on each call.
	nodes       map[*dispatch.Route]*Route
	receivers   map[string]config.Receiver
	calendar    *Calendar
	intervals   *intervals
	inhibit     []inhibitRule
	maintenance Maintenance
	catalog     catalog
	correlation config.Correlation
	noise       config.Noise
	// routeLabels are the label names the route tree reads (its
	// matchers' and group_by's), sorted; nil when a route groups by
	// every label. Alerts that agree on them match alike (MatchAll).
	routeLabels []string
}

// Route is one node of the compiled route tree.
type Route struct {
	// ID identifies the route stably for a given configuration.
	ID string
	// Opts are the route's effective options, inherited as Alertmanager
	// inherits them.
	Opts dispatch.RouteOpts
	// Config is the route's own configuration node, with alertgate's
	// extensions.
	Config *config.Route
	// Noise is the route's effective noise policy.
	Noise NoisePolicy
}

// Match is one route an alert matched, with the group it joins there.
type Match struct {
	Route *Route
	// GroupKey identifies the group (incident) the alert joins on this
	// route.
	GroupKey string
	// GroupLabels are the alert's values of the route's group_by labels.
	GroupLabels map[string]string
}

// New compiles cfg's route tree. cfg must have passed Validate.
func New(cfg *config.Config) (*Rules, error) {
	if cfg.Route == nil {
		return nil, fmt.Errorf("rules: no root route")
	}
	calendar, err := NewCalendar(cfg.BusinessHours)
	if err != nil {
		return nil, fmt.Errorf("rules: business hours: %w", err)
	}
	am := cfg.Route.Alertmanager()
	if am.RepeatInterval == nil {
		// dedup.repeat_interval is the default the root route inherits.
		am.RepeatInterval = &cfg.Dedup.RepeatInterval
	}
	r := &Rules{
		root:        dispatch.NewRoute(am, nil),
		routes:      map[string]*Route{},
		nodes:       map[*dispatch.Route]*Route{},
		receivers:   map[string]config.Receiver{},
		calendar:    calendar,
		intervals:   newIntervals(cfg, calendar),
		inhibit:     compileInhibitRules(cfg.InhibitRules),
		maintenance: compileMaintenance(cfg.MaintenanceWindows),
		catalog:     compileCatalog(cfg.Services, cfg.Correlation.Labels),
		correlation: cfg.Correlation,
		noise:       cfg.Noise,
	}
	for _, rc := range cfg.Receivers {
		r.receivers[rc.Name] = rc
	}
	nodes := map[int]*config.Route{}
	cfg.Route.Walk(func(idx int, n *config.Route) { nodes[idx] = n })
	noise := noisePolicies(cfg)
	r.root.Walk(func(ar *dispatch.Route) {
		id := ar.ID()
		rt := &Route{ID: id, Opts: ar.RouteOpts, Config: nodes[ar.Idx], Noise: noise[nodes[ar.Idx]]}
		r.routes[id], r.nodes[ar] = rt, rt
	})
	r.routeLabels = routeLabels(r.root)
	return r, nil
}

// routeLabels returns the label names the route tree under root reads,
// sorted, or nil if a route groups by every label.
func routeLabels(root *dispatch.Route) []string {
	names := map[string]bool{}
	all := false
	root.Walk(func(ar *dispatch.Route) {
		for _, m := range ar.Matchers {
			names[m.Name] = true
		}
		for n := range ar.RouteOpts.GroupBy {
			names[string(n)] = true
		}
		all = all || ar.RouteOpts.GroupByAll
	})
	if all {
		return nil
	}
	return slices.Sorted(maps.Keys(names))
}

// Match returns the routes a and its groups, in Alertmanager's order.
func (r *Rules) Match(a *alert.Alert) []Match {
	matched := matchRoutes(r.root, a.Labels)
	out := make([]Match, 0, len(matched))
	for _, ar := range matched {
		route := r.nodes[ar]
		gl := groupLabels(a.Labels, &ar.RouteOpts)
		out = append(out, Match{Route: route, GroupKey: GroupKey(route.ID, gl), GroupLabels: gl})
	}
	return out
}

// Route returns the route with the given ID.
func (r *Rules) Route(id string) (*Route, bool) {
	rt, ok := r.routes[id]
	return rt, ok
}

// Receiver returns the named receiver.
func (r *Rules) Receiver(name string) (config.Receiver, bool) {
	rc, ok := r.receivers[name]
	return rc, ok
}

// BusinessHours reports whether t is a working hour, and the holiday it
// falls on, if any.
func (r *Rules) BusinessHours(t time.Time) (working bool, holiday string) {
	return r.intervals.businessHours(t), r.calendar.Holiday(t)
}

// HasBusinessHours reports whether the configuration defines business
// hours.
func (r *Rules) HasBusinessHours() bool { return r.intervals.business != nil }

// InBusinessHours reports whether t is a working hour. Without business
// hours every hour counts as one, so that nothing is reported as out of
// hours for a team that never said what its hours are.
func (r *Rules) InBusinessHours(t time.Time) bool {
	return !r.HasBusinessHours() || r.intervals.businessHours(t)
}

// Location is the business-hours time zone, in which people read times.
func (r *Rules) Location() *time.Location { return r.calendar.Location() }

// RouteLabels returns the `labels` of the route with the given ID,
// inherited from its parents as Alertmanager inherits them, unrendered;
// nil when it has none.
func (r *Rules) RouteLabels(id string) map[string]string {
	rt, ok := r.routes[id]
	if !ok || len(rt.Opts.Labels) == 0 {
		return nil
	}
	out := make(map[string]string, len(rt.Opts.Labels))
	for k, v := range rt.Opts.Labels {
		out[string(k)] = string(v)
	}
	return out
}

// RepeatInterval is the route's repeat_interval.
func (rt *Route) RepeatInterval() time.Duration { return rt.Opts.RepeatInterval }

// GroupKey derives a group's key from its route and group labels. It is
// short and stable (PagerDuty allows 255 characters for a dedup_key) and
// the same on every replica.
func GroupKey(routeID string, groupLabels map[string]string) string {
	return string(alert.NewFingerprint("group", routeID, alert.LabelsIdentity(groupLabels)))
}

func groupLabels(labels map[string]string, o *dispatch.RouteOpts) map[string]string {
	if o.GroupByAll {
		out := make(map[string]string, len(labels))
		for k, v := range labels {
			out[k] = v
		}
		return out
	}
	out := make(map[string]string, len(o.GroupBy))
	for ln := range o.GroupBy {
		if v, ok := labels[string(ln)]; ok {
			out[string(ln)] = v
		}
	}
	return out
}

// MatchAll returns Match of each alert. Alerts that agree on every label
// the route tree reads match the same routes into the same groups, so
// they share one result (not to be modified), computed once: the alerts
// of one webhook mostly do.
func (r *Rules) MatchAll(alerts []alert.Alert) [][]Match {
	out := make([][]Match, len(alerts))
	if len(alerts) == 1 || r.routeLabels == nil {
		for i := range alerts {
			out[i] = r.Match(&alerts[i])
		}
		return out
	}
	seen := map[string][]Match{}
	var key []byte
	for i := range alerts {
		key = r.appendRouteKey(key[:0], alerts[i].Labels)
		m, ok := seen[string(key)]
		if !ok {
			m = r.Match(&alerts[i])
			seen[string(key)] = m
		}
		out[i] = m
	}
	return out
}

// appendRouteKey appends to b the values of labels the route tree reads,
// each length-prefixed (a missing label is not an empty one: group
// labels hold only labels the alert has).
func (r *Rules) appendRouteKey(b []byte, labels map[string]string) []byte {
	for _, n := range r.routeLabels {
		v, ok := labels[n]
		if !ok {
			b = append(b, 0)
			continue
		}
		b = binary.AppendUvarint(b, uint64(len(v))+1)
		b = append(b, v...)
	}
	return b
}

// matchRoutes is dispatch.Route.Match over a plain map, saving the copy
// into a model.LabelSet: the same walk in the same order (a route whose
// children match none is the match itself; a matching child without
// continue ends the search among its siblings).
func matchRoutes(r *dispatch.Route, labels map[string]string) []*dispatch.Route {
	if !matches(r.Matchers, labels) {
		return nil
	}
	var all []*dispatch.Route
	for _, cr := range r.Routes {
		m := matchRoutes(cr, labels)
		all = append(all, m...)
		if m != nil && !cr.Continue {
			break
		}
	}
	if len(all) == 0 {
		all = append(all, r)
	}
	return all
}

// matches is labels.Matchers.Matches over a plain map, saving the copy
// into a model.LabelSet.
func matches(ms labels.Matchers, ls map[string]string) bool {
	for _, m := range ms {
		if !m.Matches(ls[m.Name]) {
			return false
		}
	}
	return true
}

func labelSet(labels map[string]string) model.LabelSet {
	ls := make(model.LabelSet, len(labels))
	for k, v := range labels {
		ls[model.LabelName(k)] = model.LabelValue(v)
	}
	return ls
}
