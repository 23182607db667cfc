package rules

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/common/model"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/config"
)

// Explanation says what alertgate would do with an alert at a given time,
// and why, for `alertgate routes test`.
type Explanation struct {
	Labels        map[string]string
	At            time.Time
	BusinessHours bool
	// NoBusinessHours is set when the configuration defines none.
	NoBusinessHours bool
	// Holiday is the holiday the time falls on and the calendar that made
	// it one, "Coming of Age Day (jp)".
	Holiday  string
	Location *time.Location
	Routes   []RouteExplanation
	// Silenced names the maintenance window that silences the alert.
	Silenced string
	// InhibitedIf describes the inhibit rules that would hold the alert
	// back, and what would have to fire for that.
	InhibitedIf []string
	// Inhibits describes the rules under which this alert, firing, would
	// hold others back.
	Inhibits []string
	// Service is the catalog service the alert maps to, if any.
	Service string
	// Correlation explains how the alert would join an incident.
	Correlation string
}

// RouteExplanation is one route the alert matched.
type RouteExplanation struct {
	Path        string
	Receiver    string
	Targets     []string
	GroupBy     []string
	GroupLabels map[string]string
	Wait        time.Duration
	Interval    time.Duration
	Repeat      time.Duration
	Continue    bool
	Muted       string
	Escalate    *config.Escalation
	OnCall      string
	Schedule    string
	OnCallErr   error
	// Correlated names the service whose incident the alert joins on
	// this route instead of a group_by group.
	Correlated string
	// Noise is the route's noise policy, and Sounds whether an incident
	// of the alert's severity may sound now.
	Noise  NoisePolicy
	Sounds bool
}

// Pages reports whether the route delivers to a paging service
// (PagerDuty, Opsgenie) now.
func (re *RouteExplanation) Pages() bool {
	return re.Muted == "" && slices.ContainsFunc(re.Targets, func(t string) bool {
		return strings.HasPrefix(t, string(config.TargetPagerDuty)) || strings.HasPrefix(t, string(config.TargetOpsgenie))
	})
}

// OnCaller tells who is on call for a receiver at a time, and from which
// schedule (enrich/oncall answers it).
type OnCaller interface {
	OnCall(ctx context.Context, receiver string, at time.Time) (name, schedule string, err error)
}

// Explain routes labels at time at without any state: runtime silences
// and firing inhibitors live in the running server, so they are described
// rather than evaluated. oc, if not nil, names who is on call.
func (r *Rules) Explain(ctx context.Context, labels map[string]string, at time.Time, oc OnCaller) Explanation {
	e := Explanation{Labels: labels, At: at, Location: r.calendar.Location()}
	a := &alert.Alert{Labels: maps.Clone(labels)}
	m, member := r.Membership(a)
	switch {
	case member && m.Catalog:
		e.Service = m.Service
		labels = a.Labels
		e.Labels = labels
	case member:
		e.Service = m.Service + " (" + m.Rule + ", not in the service catalog)"
	case r.HasCatalog():
		e.Service = "(not in the service catalog)"
	}
	e.BusinessHours, _ = r.BusinessHours(at)
	e.Holiday = r.calendar.HolidayOf(at).String()
	e.NoBusinessHours = !r.HasBusinessHours()
	e.Silenced, _ = r.maintenance.Mutes(ctx, labels, at)
	set := labelSet(labels)
	for _, ir := range r.inhibit {
		if ir.target.Matches(set) {
			e.InhibitedIf = append(e.InhibitedIf, fmt.Sprintf("an alert matching %s fires with the same %s", ir.source, equalList(ir.equal)))
		}
		if ir.source.Matches(set) {
			e.Inhibits = append(e.Inhibits, fmt.Sprintf("alerts matching %s with the same %s", ir.target, equalList(ir.equal)))
		}
	}
	matches := r.Match(&alert.Alert{Labels: labels})
	sev, _ := alert.ParseSeverity(labels[alert.LabelSeverity])
	for _, mt := range matches {
		re := r.explainRoute(ctx, mt, at, oc, sev)
		if _, ok := r.Correlation(mt.Route); ok && member {
			re.Correlated = m.Service
		}
		e.Routes = append(e.Routes, re)
	}
	e.Correlation = r.explainCorrelation(m, member, matches)
	return e
}

// explainCorrelation says which incident the alert would join, and which
// rule makes it join.
func (r *Rules) explainCorrelation(m Membership, member bool, matches []Match) string {
	if !r.correlation.Enabled {
		return "off (correlation.enabled is false)"
	}
	if !member {
		return "none: no service of the catalog matches it and it has no correlation label (a `service` label alone never correlates), so it groups by its routes' group_by"
	}
	service := m.Service
	correlates := false
	for _, m := range matches {
		if _, ok := r.Correlation(m.Route); ok {
			correlates = true
		}
	}
	if !correlates {
		return "none: its routes say correlate: false"
	}
	s := fmt.Sprintf("service %s by %s: joins the open incident of service %s (same service), or reopens it if it resolved less than %s ago", service, m.Rule, service, model.Duration(r.correlation.Cooldown))
	if deps := r.Dependents(service); len(deps) > 0 {
		s += fmt.Sprintf("; %s depend on it, so it joins an open incident of theirs that grew in the last %s (dependency)", strings.Join(deps, ", "), model.Duration(r.correlation.Window))
	}
	if deps := r.DependsOn(service); len(deps) > 0 {
		s += fmt.Sprintf("; it depends on %s, so it joins an open incident of theirs that grew in the last %s (effect)", strings.Join(deps, ", "), model.Duration(r.correlation.Window))
	}
	return s + "; otherwise it opens a new incident"
}

func (r *Rules) explainRoute(ctx context.Context, m Match, at time.Time, oc OnCaller, sev alert.Severity) RouteExplanation {
	o := m.Route.Opts
	re := RouteExplanation{
		Path:        m.Route.ID,
		Receiver:    o.Receiver,
		GroupLabels: m.GroupLabels,
		Wait:        o.GroupWait,
		Interval:    o.GroupInterval,
		Repeat:      o.RepeatInterval,
		Continue:    m.Route.Config.Continue,
		Escalate:    m.Route.Config.Escalate,
	}
	for l := range o.GroupBy {
		re.GroupBy = append(re.GroupBy, string(l))
	}
	if o.GroupByAll {
		re.GroupBy = []string{"..."}
	}
	slices.Sort(re.GroupBy)
	re.Targets = r.describeTargets(o.Receiver)
	re.Muted, _ = r.TimeMuted(m.Route, at)
	re.Noise = m.Route.Noise
	re.Sounds = r.Sounds(m.Route, sev, at)
	if oc != nil {
		re.OnCall, re.Schedule, re.OnCallErr = oc.OnCall(ctx, o.Receiver, at)
	}
	return re
}

func (r *Rules) describeTargets(receiver string) []string {
	rc, ok := r.receivers[receiver]
	if !ok {
		return nil
	}
	var out []string
	for _, t := range rc.Targets() {
		d := string(t)
		if t == config.TargetSlack {
			d += " " + rc.Slack.Channel
		}
		out = append(out, d)
	}
	return out
}

func equalList(labels []string) string {
	if len(labels) == 0 {
		return "(no labels required equal)"
	}
	return strings.Join(labels, ", ")
}

// WriteText prints the explanation for a human.
func (e *Explanation) WriteText(w io.Writer) {
	at := e.At.In(e.Location)
	fmt.Fprintf(w, "Alert     %s\n", formatLabels(e.Labels))
	hours := "outside business hours"
	switch {
	case e.NoBusinessHours:
		hours = "no business hours configured"
	case e.BusinessHours:
		hours = "inside business hours"
	}
	if e.Holiday != "" {
		hours += " (holiday: " + e.Holiday + ")"
	}
	fmt.Fprintf(w, "Time      %s: %s\n", at.Format("2006-01-02 15:04 Mon MST"), hours)
	if e.Service != "" {
		fmt.Fprintf(w, "Service   %s\n", e.Service)
	}
	for i, re := range e.Routes {
		e.writeRoute(w, i+1, &re)
	}
	fmt.Fprintf(w, "\nSilenced  %s\n", orNo(e.Silenced, "no maintenance window (API silences live in the running server)"))
	fmt.Fprintf(w, "Inhibited %s\n", listOr(e.InhibitedIf, "no inhibit rule targets this alert", "only if "))
	if len(e.Inhibits) > 0 {
		fmt.Fprintf(w, "Inhibits  %s\n", strings.Join(e.Inhibits, "; "))
	}
	fmt.Fprintf(w, "Incident  %s\n", e.Correlation)
	fmt.Fprintf(w, "\nResult    %s\n", e.Verdict())
}

func (e *Explanation) writeRoute(w io.Writer, n int, re *RouteExplanation) {
	fmt.Fprintf(w, "\nRoute %d   %s\n", n, re.Path)
	fmt.Fprintf(w, "  receiver  %s → %s\n", re.Receiver, strings.Join(re.Targets, ", "))
	group := fmt.Sprintf("by [%s] → %s", strings.Join(re.GroupBy, " "), formatLabels(re.GroupLabels))
	if re.Correlated != "" {
		group = "the incident of service " + re.Correlated + " (correlation, instead of group_by)"
	}
	fmt.Fprintf(w, "  group     %s; wait %s, interval %s, repeat %s\n", group, model.Duration(re.Wait), model.Duration(re.Interval), model.Duration(re.Repeat))
	if re.Muted != "" {
		fmt.Fprintf(w, "  time      MUTED now: %s\n", re.Muted)
	} else {
		fmt.Fprintf(w, "  time      active now\n")
	}
	if re.Escalate != nil {
		fmt.Fprintf(w, "  escalate  to %s if not acknowledged within %s\n", re.Escalate.Receiver, re.Escalate.After)
	}
	fmt.Fprintf(w, "  noise     %s\n", re.noise())
	switch {
	case re.OnCallErr != nil:
		fmt.Fprintf(w, "  on call   unknown: %v\n", re.OnCallErr)
	case re.OnCall != "":
		fmt.Fprintf(w, "  on call   %s (%s)\n", re.OnCall, re.Schedule)
	}
	if re.Continue {
		fmt.Fprintf(w, "  continue  yes: later sibling routes are tried too\n")
	}
}

// noise describes the route's noise policy for this alert now.
func (re *RouteExplanation) noise() string {
	n := re.Noise
	var parts []string
	switch {
	case len(n.SoundIntervals) == 0:
		parts = append(parts, "sounds at any time")
	case re.Sounds:
		parts = append(parts, "sounds now (less than critical only inside "+strings.Join(n.SoundIntervals, ", ")+")")
	default:
		parts = append(parts, "QUIET now: a new incident waits for "+strings.Join(n.SoundIntervals, ", "))
	}
	if n.DigestInterval > 0 {
		parts = append(parts, "churn edits silently, digest at most every "+model.Duration(n.DigestInterval).String())
	}
	if n.ChronicAfter > 0 || n.ChronicSounds > 0 {
		parts = append(parts, fmt.Sprintf("chronic after %s or %d sounds a day", model.Duration(n.ChronicAfter), n.ChronicSounds))
	}
	return strings.Join(parts, "; ")
}

// Verdict sums the explanation up in one line.
func (e *Explanation) Verdict() string {
	if e.Silenced != "" {
		return "SILENCED by " + e.Silenced + ": recorded, not delivered"
	}
	var pages, sends, quiet, muted []string
	for _, re := range e.Routes {
		switch {
		case re.Muted != "":
			muted = append(muted, re.Receiver)
		case !re.Sounds:
			quiet = append(quiet, re.Receiver)
		case re.Pages():
			pages = append(pages, re.Receiver)
		default:
			sends = append(sends, re.Receiver)
		}
	}
	var parts []string
	if len(pages) > 0 {
		parts = append(parts, "PAGES now via "+strings.Join(pages, ", "))
	}
	if len(sends) > 0 {
		parts = append(parts, "notifies "+strings.Join(sends, ", "))
	}
	if len(quiet) > 0 {
		parts = append(parts, "waits quietly for "+strings.Join(quiet, ", ")+" until it may sound")
	}
	for _, re := range e.Routes {
		if re.Muted == "" && re.Escalate != nil {
			parts = append(parts, fmt.Sprintf("escalates to %s after %s unacknowledged", re.Escalate.Receiver, re.Escalate.After))
		}
	}
	if len(parts) == 0 {
		return "MUTED now (" + strings.Join(muted, ", ") + "): held until the mute ends"
	}
	return strings.Join(parts, "; ")
}

func formatLabels(ls map[string]string) string {
	if len(ls) == 0 {
		return "{}"
	}
	parts := make([]string, 0, len(ls))
	for _, k := range slices.Sorted(maps.Keys(ls)) {
		parts = append(parts, fmt.Sprintf("%s=%q", k, ls[k]))
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

func orNo(s, no string) string {
	if s == "" {
		return "no: " + no
	}
	return "YES: " + s
}

func listOr(items []string, none, prefix string) string {
	if len(items) == 0 {
		return "no: " + none
	}
	return prefix + strings.Join(items, "; or ")
}
