package store

import (
	"time"

	"github.com/alertgate/alertgate/router/dedup"
)

// Options are the tunables both stores share.
type Options struct {
	// Flap is the flap-detection policy.
	Flap dedup.FlapPolicy
	// Retention is how long the state of an alert that has not been seen
	// is kept. It must exceed the longest repeat interval, or a re-sent
	// alert looks new.
	Retention time.Duration
	// LeaseTTL is how long a claimed group flush may take before another
	// replica takes it over.
	LeaseTTL time.Duration
	// ReclaimAfter is how long an outbox entry may stay claimed by a
	// consumer before another consumer takes it over (the consumer is
	// presumed dead).
	ReclaimAfter time.Duration
	// IncidentRetention is how long incidents, their timelines and the
	// daily counters are kept.
	IncidentRetention time.Duration
	// MaxAlerts bounds the alerts the memory store tracks; beyond it the
	// least recently seen are forgotten. The Redis store relies on TTLs
	// and Redis' own memory limit instead.
	MaxAlerts int
	// Partitions is the number of hash-tag partitions the Redis store
	// splits alert and group state into, so that a Redis Cluster spreads
	// it over its masters; 0 or 1 keeps everything in one slot. The
	// memory store ignores it.
	Partitions int
}

// Stats is a store's size, for metrics.
type Stats struct {
	Alerts    int
	Groups    int
	Evictions uint64
}

// WithDefaults returns o with zero fields set to their defaults.
func (o Options) WithDefaults() Options {
	if o.Flap == (dedup.FlapPolicy{}) {
		o.Flap = dedup.DefaultFlapPolicy
	}
	if o.Retention <= 0 {
		o.Retention = 7 * 24 * time.Hour
	}
	if o.LeaseTTL <= 0 {
		o.LeaseTTL = 15 * time.Second
	}
	if o.ReclaimAfter <= 0 {
		o.ReclaimAfter = 30 * time.Second
	}
	if o.MaxAlerts <= 0 {
		o.MaxAlerts = 100000
	}
	if o.IncidentRetention <= 0 {
		o.IncidentRetention = DefaultIncidentRetention
	}
	return o
}
