package config

import (
	"fmt"
	"time"

	"github.com/prometheus/common/model"
)

// Noise is the policy that keeps notifications few and worth their
// sound, for the whole configuration; each route adds its own
// (RouteNoise).
type Noise struct {
	// ChronicDigest names the time intervals at whose start each channel
	// gets its digest of chronic incidents (default business_hours: once
	// every working day, when work starts).
	ChronicDigest []string `yaml:"chronic_digest"`
	// Absorb is how long before an inhibiting alert fires the alerts it
	// would inhibit may have fired and still be moved into its incident,
	// their messages edited to say so (default 5m; 0 turns it off).
	Absorb model.Duration `yaml:"absorb"`
	// Hangover is how long after the inhibiting alert resolves the alerts
	// it inhibited stay held back, so that those recovering with it are
	// never announced (default 5m; 0 turns it off).
	Hangover model.Duration `yaml:"hangover"`
}

// RouteNoise is a route's noise policy. A key the route leaves out is
// inherited from its parent, as Alertmanager's route options are; the
// root's defaults are DefaultDigestInterval, no quiet hours, and
// DefaultChronic.
type RouteNoise struct {
	// DigestInterval is the least time between two replies that sum up
	// an incident's churn ("12 joined, 9 resolved since 14:00"); churn
	// itself only edits the incident's message. 0 turns digests off.
	DigestInterval *model.Duration `yaml:"digest_interval,omitempty"`
	// SoundTimeIntervals, when set, are the only times a less than
	// critical incident makes a sound: outside them a new one waits for
	// the next, and what changes is a silent edit. An empty list means
	// always.
	SoundTimeIntervals []string `yaml:"sound_time_intervals,omitempty"`
	// Chronic says when an incident is chronic: its own sounds stop and
	// it is listed in its channel's chronic digest instead.
	Chronic *Chronic `yaml:"chronic,omitempty"`
}

// Chronic says when an incident that keeps firing or churning is
// chronic.
type Chronic struct {
	// After is how long an incident, or every alert it holds, may fire
	// before it is chronic (0: never by age).
	After model.Duration `yaml:"after"`
	// SoundsPerDay is how many sounds an incident may make in a day
	// (UTC) before it is chronic (0: no budget).
	SoundsPerDay int `yaml:"sounds_per_day"`
}

// Defaults of the noise policy.
const (
	DefaultDigestInterval = model.Duration(time.Hour)
	DefaultAbsorb         = model.Duration(5 * time.Minute)
	DefaultHangover       = model.Duration(5 * time.Minute)
)

// DefaultChronic is the root route's chronic policy: firing for more than
// six hours, or more than twelve sounds a day.
var DefaultChronic = Chronic{After: model.Duration(6 * time.Hour), SoundsPerDay: 12}

// applyDefaults fills the keys left out; the chronic digest goes out at
// the start of business hours where the configuration has them, and
// only on demand where it does not.
func (n *Noise) applyDefaults(businessHours bool) {
	if n.ChronicDigest == nil && businessHours {
		n.ChronicDigest = []string{IntervalBusinessHours}
	}
	setDefault(&n.Absorb, DefaultAbsorb)
	setDefault(&n.Hangover, DefaultHangover)
}

// Inherit returns n with every key it leaves out taken from parent.
func (n *RouteNoise) Inherit(parent RouteNoise) RouteNoise {
	if n == nil {
		return parent
	}
	out := *n
	if out.DigestInterval == nil {
		out.DigestInterval = parent.DigestInterval
	}
	if out.SoundTimeIntervals == nil {
		out.SoundTimeIntervals = parent.SoundTimeIntervals
	}
	if out.Chronic == nil {
		out.Chronic = parent.Chronic
	}
	return out
}

// RootNoise is the noise policy the root route passes down: its own
// keys, and the defaults for what it leaves out.
func (c *Config) RootNoise() RouteNoise {
	d, ch := DefaultDigestInterval, DefaultChronic
	root := RouteNoise{DigestInterval: &d, SoundTimeIntervals: []string{}, Chronic: &ch}
	if c.Route == nil {
		return root
	}
	return c.Route.Noise.Inherit(root)
}

func (c *Config) validateNoise(v *validator) {
	known := c.intervalNames()
	for j, name := range c.Noise.ChronicDigest {
		if !known[name] {
			v.add(fmt.Sprintf("noise.chronic_digest[%d]", j), "undefined time interval %q", name)
		}
	}
	v.nonNegative("noise.absorb", c.Noise.Absorb)
	v.nonNegative("noise.hangover", c.Noise.Hangover)
	if c.Route == nil {
		return
	}
	c.Route.visit("route", func(path string, r *Route) {
		n := r.Noise
		if n == nil {
			return
		}
		if n.DigestInterval != nil {
			v.nonNegative(path+".noise.digest_interval", *n.DigestInterval)
		}
		for j, name := range n.SoundTimeIntervals {
			if !known[name] {
				v.add(fmt.Sprintf("%s.noise.sound_time_intervals[%d]", path, j), "undefined time interval %q", name)
			}
		}
		if ch := n.Chronic; ch != nil {
			v.nonNegative(path+".noise.chronic.after", ch.After)
			if ch.SoundsPerDay < 0 {
				v.add(path+".noise.chronic.sounds_per_day", "must not be negative, got %d", ch.SoundsPerDay)
			}
		}
	})
}
