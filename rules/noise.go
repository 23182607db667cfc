package rules

import (
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/config"
)

// NoisePolicy is a route's effective noise policy (config.RouteNoise,
// inherited down the tree and defaulted at the root).
type NoisePolicy struct {
	// DigestInterval is the least time between two churn digests of an
	// incident; zero turns them off.
	DigestInterval time.Duration
	// SoundIntervals are the only times a less than critical incident
	// sounds; empty means always.
	SoundIntervals []string
	// ChronicAfter is how long an incident, or all of its alerts, fires
	// before it is chronic; zero means never by age.
	ChronicAfter time.Duration
	// ChronicSounds is the sounds an incident may make in a day before it
	// is chronic; zero means no budget.
	ChronicSounds int
}

// noisePolicies compiles every route's noise policy, each inheriting
// from its parent.
func noisePolicies(cfg *config.Config) map[*config.Route]NoisePolicy {
	out := map[*config.Route]NoisePolicy{}
	if cfg.Route == nil {
		return out
	}
	var walk func(r *config.Route, n config.RouteNoise)
	walk = func(r *config.Route, n config.RouteNoise) {
		p := NoisePolicy{SoundIntervals: n.SoundTimeIntervals}
		if n.DigestInterval != nil {
			p.DigestInterval = time.Duration(*n.DigestInterval)
		}
		if n.Chronic != nil {
			p.ChronicAfter, p.ChronicSounds = time.Duration(n.Chronic.After), n.Chronic.SoundsPerDay
		}
		out[r] = p
		for _, c := range r.Routes {
			walk(c, c.Noise.Inherit(n))
		}
	}
	walk(cfg.Route, cfg.RootNoise())
	return out
}

// Sounds reports whether an incident of severity sev on route rt may make
// a sound at t: a critical one always; others inside the route's sound
// intervals, if it has any.
func (r *Rules) Sounds(rt *Route, sev alert.Severity, t time.Time) bool {
	if sev == alert.SeverityCritical || len(rt.Noise.SoundIntervals) == 0 {
		return true
	}
	_, ok := r.intervals.anyContains(rt.Noise.SoundIntervals, t)
	return ok
}

// horizon bounds the searches for the next time an interval holds: a
// week covers every weekly pattern, and a long holiday.
const horizon = 10 * 24 * time.Hour

// NextSound returns the first minute at or after t when a less than
// critical incident of rt may sound, or t+horizon if none comes sooner.
func (r *Rules) NextSound(rt *Route, t time.Time) time.Time {
	return next(t, func(m time.Time) bool { return r.Sounds(rt, alert.SeverityWarning, m) })
}

// NextUnmuted returns the first minute at or after t when rt's time
// intervals do not mute it, or t+horizon if none comes sooner.
func (r *Rules) NextUnmuted(rt *Route, t time.Time) time.Time {
	return next(t, func(m time.Time) bool {
		_, muted := r.TimeMuted(rt, m)
		return !muted
	})
}

// next returns t if ok(t), else the first whole minute after t for which
// ok holds, or t+horizon.
func next(t time.Time, ok func(time.Time) bool) time.Time {
	if ok(t) {
		return t
	}
	for m := t.Truncate(time.Minute).Add(time.Minute); m.Before(t.Add(horizon)); m = m.Add(time.Minute) {
		if ok(m) {
			return m
		}
	}
	return t.Add(horizon)
}

// NextChronicDigest returns the next start of one of the chronic digest
// intervals (noise.chronic_digest) after t: the first minute inside one
// whose previous minute was outside all. ok is false when none starts
// within the horizon.
func (r *Rules) NextChronicDigest(t time.Time) (time.Time, bool) {
	if len(r.noise.ChronicDigest) == 0 {
		return time.Time{}, false
	}
	m := t.Truncate(time.Minute).Add(time.Minute)
	_, prev := r.intervals.anyContains(r.noise.ChronicDigest, m.Add(-time.Minute))
	for ; m.Before(t.Add(horizon)); m = m.Add(time.Minute) {
		_, in := r.intervals.anyContains(r.noise.ChronicDigest, m)
		if in && !prev {
			return m, true
		}
		prev = in
	}
	return time.Time{}, false
}

// Absorb is how long before an inhibiting alert fires the alerts it
// would inhibit may have fired and still be moved into its incident.
func (r *Rules) Absorb() time.Duration { return time.Duration(r.noise.Absorb) }

// Hangover is how long alerts stay inhibited after their inhibitor
// resolves.
func (r *Rules) Hangover() time.Duration { return time.Duration(r.noise.Hangover) }
