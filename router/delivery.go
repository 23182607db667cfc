package router

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/alertgate/alertgate/router/notify"
	"github.com/alertgate/alertgate/router/store"
)

// fallbackFor builds the stand-in notifications for one that failed
// permanently: the same incident, to the receiver's fallback receiver,
// with a note nobody can miss. A fallback is never itself replaced.
func (rt *Router) fallbackFor(n *notify.Notification, cause error) [][]byte {
	if n.FallbackFor != "" {
		return nil
	}
	rc, ok := rt.rules.Load().Receiver(n.Target.Receiver)
	if !ok || rc.Fallback == "" {
		return nil
	}
	c := *n
	c.FallbackFor = n.Target.Receiver
	c.Notes = append(append([]string(nil), n.Notes...),
		"DELIVERY FAILED: "+n.Target.String()+" rejected this notification ("+cause.Error()+"); sent here instead")
	entries, err := rt.flusher.encode(&c, rc.Fallback)
	if err != nil {
		rt.log.Error("building the fallback notification failed", "incident", n.Incident, "err", err)
		return nil
	}
	return entries
}

// delivered records an accepted notification on its incident's timeline
// and in the day's counters.
func (rt *Router) delivered(ctx context.Context, n *notify.Notification, at time.Time) {
	recordDelivery(ctx, rt.opts.Store, rt.log, at, n)
	rt.stats.add(at, "sent:"+n.Target.Type, 1)
	if n.Target.Type == "pagerduty" && (n.Kind == notify.KindTrigger) {
		rt.stats.add(at, "pages", 1)
	}
}

// deadLetterView is a dead letter as the API shows it.
type deadLetterView struct {
	ID       string    `json:"id"`
	Incident string    `json:"incident,omitempty"`
	Target   string    `json:"target,omitempty"`
	Kind     string    `json:"kind,omitempty"`
	Title    string    `json:"title,omitempty"`
	Reason   string    `json:"reason"`
	Attempts int       `json:"attempts"`
	Enqueued time.Time `json:"enqueued"`
	At       time.Time `json:"at"`
}

// handleDeadLetters serves GET /api/v1/deadletters?limit=N.
func (rt *Router) handleDeadLetters(w http.ResponseWriter, r *http.Request) {
	limit := 100
	if s := r.URL.Query().Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > notify.MaxDeadLetters {
			writeError(w, http.StatusBadRequest, "limit", "must be between 1 and "+strconv.Itoa(notify.MaxDeadLetters))
			return
		}
		limit = n
	}
	dl, err := rt.opts.Store.DeadLetters(r.Context(), limit)
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, "", "the state store is unavailable; retry")
		return
	}
	out := make([]deadLetterView, 0, len(dl))
	for _, d := range dl {
		v := deadLetterView{ID: d.ID, Reason: d.Reason, Attempts: d.Attempts, Enqueued: d.Enqueued, At: d.At}
		if n, err := notify.Decode(d.Payload); err == nil {
			v.Incident, v.Target, v.Kind, v.Title = n.Incident, n.Target.String(), string(n.Kind), n.Title
		}
		out = append(out, v)
	}
	writeJSON(w, http.StatusOK, out)
}

// registerOutboxDepth exports the outbox depth, read at scrape time from
// the store and the replica-local fallback outbox.
func (rt *Router) registerOutboxDepth(reg prometheus.Registerer) {
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
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name:        "alertgate_outbox_depth",
		Help:        "Notifications waiting for delivery (-1 when the store cannot be read).",
		ConstLabels: prometheus.Labels{"outbox": "store"},
	}, func() float64 { return depth(rt.opts.Store) }))
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name:        "alertgate_outbox_depth",
		Help:        "Notifications waiting for delivery (-1 when the store cannot be read).",
		ConstLabels: prometheus.Labels{"outbox": "local"},
	}, func() float64 { return depth(rt.fallback) }))
}

// registerStoreStats exports the store's size where the store reports it
// (the memory store, which bounds itself).
func (rt *Router) registerStoreStats(reg prometheus.Registerer) {
	s, ok := rt.opts.Store.(interface{ Stats() store.Stats })
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
