package router

import "github.com/prometheus/client_golang/prometheus"

// metrics are the router's own series. All alertgate series are named
// alertgate_* and registered on the Registerer given to New, never on a
// global registry.
type metrics struct {
	requests     *prometheus.CounterVec
	received     *prometheus.CounterVec
	decisions    *prometheus.CounterVec
	degraded     prometheus.Counter
	muted        *prometheus.CounterVec
	reloads      *prometheus.CounterVec
	storeErrs    *prometheus.CounterVec
	unmapped     *prometheus.CounterVec
	stateLost    prometheus.Counter
	correlations *prometheus.CounterVec
	reloadTime   prometheus.Gauge
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "alertgate_requests_total",
			Help: "Webhook requests by source and outcome (accepted, or the reason for rejecting them).",
		}, []string{"source", "outcome"}),
		received: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "alertgate_alerts_received_total",
			Help: "Alerts received in accepted requests, by source.",
		}, []string{"source"}),
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
		reloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "alertgate_config_reloads_total",
			Help: "Configuration reloads by result (success, failure).",
		}, []string{"result"}),
		reloadTime: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "alertgate_config_last_reload_success_timestamp_seconds",
			Help: "When the configuration was last loaded successfully.",
		}),
	}
	m.storeErrs = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "alertgate_store_errors_total",
		Help: "Failed state store operations by operation (observe, flush).",
	}, []string{"op"})
	m.storeErrs.WithLabelValues("observe")
	m.storeErrs.WithLabelValues("flush")
	m.unmapped = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "alertgate_alerts_unmapped_total",
		Help: "Alerts the service catalog could not map to a service, by source.",
	}, []string{"source"})
	m.correlations = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "alertgate_correlations_total",
		Help: "Alerts placed in a correlated incident, by reason (new incident, same service, dependency, reopened, ...).",
	}, []string{"reason"})
	m.stateLost = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "alertgate_store_state_lost_total",
		Help: "Times the state store was found to have lost its state; recent alerts were ingested again.",
	})
	m.reloads.WithLabelValues("success")
	m.reloads.WithLabelValues("failure")
	m.reloadTime.SetToCurrentTime()
	reg.MustRegister(m.requests, m.received, m.decisions, m.degraded, m.muted, m.reloads, m.reloadTime, m.storeErrs, m.unmapped, m.correlations, m.stateLost)
	return m
}

// Request outcomes, the values of alertgate_requests_total's outcome label.
const (
	outcomeAccepted     = "accepted"
	outcomeUnauthorized = "unauthorized"
	outcomeForbidden    = "forbidden"
	outcomeTooLarge     = "too_large"
	outcomeBadRequest   = "bad_request"
	outcomeUnavailable  = "unavailable"
	outcomeRateLimited  = "rate_limited"
)

// initRequests makes every source/outcome series exist from the start, so
// dashboards and alert rules see zeros rather than nothing.
func (m *metrics) initRequests(sources []string) {
	for _, s := range sources {
		for _, o := range []string{outcomeAccepted, outcomeUnauthorized, outcomeForbidden, outcomeTooLarge, outcomeBadRequest, outcomeUnavailable, outcomeRateLimited} {
			m.requests.WithLabelValues(s, o)
		}
		m.received.WithLabelValues(s)
	}
}
