package web

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/alertgate/alertgate/config"
)

// RoutingView is the Routing page: the route tree, and the explanation
// of `alertgate routes test` for the labels and time of the form.
type RoutingView struct {
	Tree RouteNode
	// Labels and At are the form's values.
	Labels, At string
	// Explanation is routes test's text; Verdict its last line.
	Explanation, Verdict string
}

// RouteNode is one route of the tree.
type RouteNode struct {
	Matchers  string
	Receiver  string
	Targets   []string
	Details   []string
	Continue  bool
	Inherited bool
	Children  []RouteNode
}

// NewRouteTree describes cfg's route tree. Each node shows the receiver
// it delivers to (inherited from its parent when it names none).
func NewRouteTree(cfg *config.Config) RouteNode {
	if cfg.Route == nil {
		return RouteNode{}
	}
	targets := map[string][]string{}
	for _, r := range cfg.Receivers {
		for _, t := range r.Targets() {
			targets[r.Name] = append(targets[r.Name], string(t))
		}
	}
	return routeNode(cfg.Route, "", targets, true)
}

func routeNode(r *config.Route, parentReceiver string, targets map[string][]string, root bool) RouteNode {
	n := RouteNode{Receiver: r.Receiver, Continue: r.Continue}
	if n.Receiver == "" {
		n.Receiver, n.Inherited = parentReceiver, true
	}
	n.Targets = targets[n.Receiver]
	var ms []string
	for _, m := range r.Matchers {
		ms = append(ms, m.String())
	}
	for _, k := range slices.Sorted(maps.Keys(r.Match)) {
		ms = append(ms, fmt.Sprintf("%s=%q", k, r.Match[k]))
	}
	for _, k := range slices.Sorted(maps.Keys(r.MatchRE)) {
		ms = append(ms, fmt.Sprintf("%s=~%q", k, r.MatchRE[k].String()))
	}
	switch {
	case len(ms) > 0:
		n.Matchers = "{" + strings.Join(ms, ", ") + "}"
	case root:
		n.Matchers = "root (every alert)"
	default:
		n.Matchers = "{} (every alert reaching here)"
	}
	if len(r.GroupBy) > 0 {
		n.Details = append(n.Details, "group_by "+strings.Join(r.GroupBy, ", "))
	}
	for _, d := range []struct {
		name string
		v    fmt.Stringer
	}{{"group_wait", durOrNil(r.GroupWait)}, {"group_interval", durOrNil(r.GroupInterval)}, {"repeat_interval", durOrNil(r.RepeatInterval)}} {
		if d.v != nil {
			n.Details = append(n.Details, d.name+" "+d.v.String())
		}
	}
	if len(r.MuteTimeIntervals) > 0 {
		n.Details = append(n.Details, "muted during "+strings.Join(r.MuteTimeIntervals, ", "))
	}
	if len(r.ActiveTimeIntervals) > 0 {
		n.Details = append(n.Details, "active only during "+strings.Join(r.ActiveTimeIntervals, ", "))
	}
	if e := r.Escalate; e != nil {
		n.Details = append(n.Details, "escalates to "+e.Receiver+" after "+e.After.String())
	}
	if !r.Correlates() {
		n.Details = append(n.Details, "not correlated")
	}
	for _, c := range r.Routes {
		n.Children = append(n.Children, routeNode(c, n.Receiver, targets, false))
	}
	return n
}

func durOrNil[T fmt.Stringer](p *T) fmt.Stringer {
	if p == nil {
		return nil
	}
	return *p
}
