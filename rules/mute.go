package rules

import (
	"context"
	"strings"
	"time"

	"github.com/prometheus/alertmanager/pkg/labels"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/incident"
)

// Each way of muting is a value with one method,
//
//	Mutes(ctx, labels, now) (reason string, muted bool)
//
// which the flusher runs as its mute stage, like Alertmanager's
// MuteStage: RouteTimes (a route's time intervals), Silences (silences
// made through the API or Slack), Maintenance (the configuration's
// maintenance windows) and Inhibition (alerts held back by another
// alert that fires).

// RouteTimes mutes everything a route sends while its time intervals say
// so, with Alertmanager's semantics: inside any of its
// mute_time_intervals, and outside all of its active_time_intervals.
type RouteTimes struct {
	rules *Rules
	route *Route
}

// RouteTimes returns the time-interval muting of rt.
func (r *Rules) RouteTimes(rt *Route) RouteTimes { return RouteTimes{rules: r, route: rt} }

// Mutes reports whether the route is muted at now; the reason names the
// interval. Labels do not matter: time intervals mute a route.
func (m RouteTimes) Mutes(_ context.Context, _ map[string]string, now time.Time) (string, bool) {
	return m.rules.TimeMuted(m.route, now)
}

// TimeMuted reports whether the route is muted at t by its time
// intervals; the reason names the interval.
func (r *Rules) TimeMuted(rt *Route, t time.Time) (reason string, muted bool) {
	if name, ok := r.intervals.anyContains(rt.Opts.MuteTimeIntervals, t); ok {
		return "mute_time_intervals " + name, true
	}
	if len(rt.Opts.ActiveTimeIntervals) == 0 {
		return "", false
	}
	if _, ok := r.intervals.anyContains(rt.Opts.ActiveTimeIntervals, t); ok {
		return "", false
	}
	return "outside active_time_intervals " + strings.Join(rt.Opts.ActiveTimeIntervals, ", "), true
}

// Silences mutes alerts matched by a silence that is active.
type Silences []compiledSilence

type compiledSilence struct {
	id         string
	matchers   labels.Matchers
	start, end time.Time
}

// CompileSilences compiles silences for muting. A silence whose matchers
// do not parse is skipped: the API validates them, so this only guards
// against a damaged store.
func CompileSilences(silences []incident.Silence) Silences {
	out := make(Silences, 0, len(silences))
	for _, sil := range silences {
		if ms, err := ParseMatchers(sil.Matchers); err == nil && len(ms) > 0 {
			out = append(out, compiledSilence{id: sil.ID, matchers: ms, start: sil.StartsAt, end: sil.EndsAt})
		}
	}
	return out
}

// Mutes reports the first silence active at now that matches ls, as
// "silence <id>".
func (s Silences) Mutes(_ context.Context, ls map[string]string, now time.Time) (string, bool) {
	for _, c := range s {
		if !now.Before(c.start) && now.Before(c.end) && matches(c.matchers, ls) {
			return "silence " + c.id, true
		}
	}
	return "", false
}

// Maintenance mutes alerts inside the configuration's maintenance
// windows.
type Maintenance []maintenance

// Maintenance returns the configured maintenance windows.
func (r *Rules) Maintenance() Maintenance { return r.maintenance }

// Mutes reports the first window that contains now and matches ls, as
// "maintenance <name>".
func (m Maintenance) Mutes(_ context.Context, ls map[string]string, now time.Time) (string, bool) {
	for _, w := range m {
		if !matches(w.matchers, ls) {
			continue
		}
		for _, ti := range w.when {
			if ti.ContainsTime(now) {
				return "maintenance " + w.name, true
			}
		}
	}
	return "", false
}

// Inhibition mutes alerts that an inhibit rule holds back while another
// alert holds the rule's key. It answers from the holders it was given,
// read from the store once for all the alerts of a flush.
type Inhibition struct {
	rules   *Rules
	holders map[string][]alert.Fingerprint
}

// Inhibition returns the inhibition muting for holders: for each
// inhibition key, the firing alerts holding it (store.Inhibitors of the
// keys InhibitedBy lists).
func (r *Rules) Inhibition(holders map[string][]alert.Fingerprint) Inhibition {
	return Inhibition{rules: r, holders: holders}
}

// Mutes reports the alert that inhibits one with labels ls, as
// "alert <fingerprint>". The keys make sure an alert never inhibits
// itself: one that matches both sides of a rule holds a key that only
// alerts matching the target side alone look up.
func (in Inhibition) Mutes(_ context.Context, ls map[string]string, _ time.Time) (string, bool) {
	for _, k := range in.rules.InhibitedBy(ls) {
		if fps := in.holders[k]; len(fps) > 0 {
			return "alert " + string(fps[0]), true
		}
	}
	return "", false
}
