package pipeline

import (
	"context"
	"time"

	"github.com/alertgate/alertgate/router/store"
	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the engine's own series. All alertgate series are named
// alertgate_* and registered on the Registerer given to New, never on a
// global registry.
type metrics struct {
	decisions    *prometheus.CounterVec
	degraded     prometheus.Counter
	muted        *prometheus.CounterVec
	storeErrs    *prometheus.CounterVec
	unmapped     *prometheus.CounterVec
	stateLost    prometheus.Counter
	correlations *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		decisions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "alertgate_alerts_decided_total",
			Help: "Deduplication decisions by source, action (notify, suppress, drop) and reason.",
		}, []string{"source", "action", "reason"}),
		degraded: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "alertgate_degraded_alerts_total",
			Help: "Alerts delivered without deduplication because the store was unreachable.",
		}),
		muted: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "alertgate_alerts_muted_total",
			Help: "Alerts held back at flush time, by reason (time_interval, silenced, inhibited).",
		}, []string{"reason"}),
		storeErrs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "alertgate_store_errors_total",
			Help: "Failed state store operations by operation (observe, flush).",
		}, []string{"op"}),
		unmapped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "alertgate_alerts_unmapped_total",
			Help: "Alerts the service catalog could not map to a service, by source.",
		}, []string{"source"}),
		correlations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "alertgate_correlations_total",
			Help: "Alerts placed in a correlated incident, by reason (new incident, same service, dependency, reopened, ...).",
		}, []string{"reason"}),
		stateLost: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "alertgate_store_state_lost_total",
			Help: "Times the state store was found to have lost its state; recent alerts were ingested again.",
		}),
	}
	m.storeErrs.WithLabelValues("observe")
	m.storeErrs.WithLabelValues("flush")
	reg.MustRegister(m.decisions, m.degraded, m.muted, m.storeErrs, m.unmapped, m.correlations, m.stateLost)
	return m
}

// registerOutboxDepth exports the outbox depth, read at scrape time from
// the store and the replica-local fallback outbox.
func (e *Engine) registerOutboxDepth(reg prometheus.Registerer) {
	depth := func(o interface {
		OutboxDepth(context.Context) (int64, error)
	}) float64 {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		d, err := o.OutboxDepth(ctx)
		if err != nil {
			return -1
		}
		return float64(d)
	}
	for _, o := range []struct {
		name  string
		depth func() float64
	}{
		{"store", func() float64 { return depth(e.opts.Store) }},
		{"local", func() float64 { return depth(e.local) }},
	} {
		reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name:        "alertgate_outbox_depth",
			Help:        "Notifications waiting for delivery (-1 when the store cannot be read).",
			ConstLabels: prometheus.Labels{"outbox": o.name},
		}, o.depth))
	}
}

// registerStoreStats exports the store's size where the store reports it
// (the memory store, which bounds itself).
func (e *Engine) registerStoreStats(reg prometheus.Registerer) {
	s, ok := e.opts.Store.(interface{ Stats() store.Stats })
	if !ok {
		return
	}
	reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "alertgate_store_alerts", Help: "Alerts the memory store tracks."},
			func() float64 { return float64(s.Stats().Alerts) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "alertgate_store_groups", Help: "Notification groups the memory store holds."},
			func() float64 { return float64(s.Stats().Groups) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "alertgate_store_evictions_total", Help: "Alerts the memory store forgot to stay within store.memory.max_alerts."},
			func() float64 { return float64(s.Stats().Evictions) }),
	)
}
