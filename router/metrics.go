package router

import "github.com/prometheus/client_golang/prometheus"

// metrics are the HTTP server's own series (the engine has its own). All
// alertgate series are named alertgate_* and registered on the Registerer
// given to New, never on a global registry.
type metrics struct {
	requests   *prometheus.CounterVec
	received   *prometheus.CounterVec
	reloads    *prometheus.CounterVec
	reloadTime prometheus.Gauge
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
		reloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "alertgate_config_reloads_total",
			Help: "Configuration reloads by result (success, failure).",
		}, []string{"result"}),
		reloadTime: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "alertgate_config_last_reload_success_timestamp_seconds",
			Help: "When the configuration was last loaded successfully.",
		}),
	}
	m.reloads.WithLabelValues("success")
	m.reloads.WithLabelValues("failure")
	m.reloadTime.SetToCurrentTime()
	reg.MustRegister(m.requests, m.received, m.reloads, m.reloadTime)
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
