// Package router is alertgate's HTTP server and the place the pipeline is
// wired: webhook endpoints with authentication and limits, the ingest
// pipeline, the flusher that turns due groups into notifications, the
// outbox workers, health, readiness, metrics and reload.
package router

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/config"
	"github.com/alertgate/alertgate/router/notify"
	"github.com/alertgate/alertgate/router/notify/pagerduty"
	"github.com/alertgate/alertgate/router/notify/slack"
	"github.com/alertgate/alertgate/router/source/alertmanager"
	"github.com/alertgate/alertgate/router/source/cloudwatch"
	"github.com/alertgate/alertgate/router/source/newrelic"
	"github.com/alertgate/alertgate/router/store"
	"github.com/alertgate/alertgate/router/store/memory"
	"github.com/alertgate/alertgate/rules"
)

// Store is everything the router needs from the state store.
type Store interface {
	Deduper
	Correlator
	Acknowledge(ctx context.Context, group, by string, now time.Time) error
	GroupStore
	SilenceStore
	notify.Outbox
	notify.Sequencer
	slack.ThreadStore
	CounterStore
	IncidentStore
	Epocher
	DeadLetters(ctx context.Context, limit int) ([]notify.DeadLetter, error)
	OutboxDepth(ctx context.Context) (int64, error)
	Ping(ctx context.Context) error
}

// Options are the router's dependencies. Config, Store and Registry are
// required.
type Options struct {
	Config   *config.Config
	Store    Store
	Enricher Enricher
	// Registry serves /metrics and receives every alertgate metric.
	Registry *prometheus.Registry
	Logger   *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// HTTPClient fetches SNS certificates and confirms subscriptions;
	// nil means a default client with timeouts.
	HTTPClient *http.Client
	// Consumer names this replica in the outbox consumer group.
	Consumer string
	// Workers is the number of outbox workers; 0 means
	// notify.outbox.workers.
	Workers int
	// Load re-reads the configuration for a reload (SIGHUP, POST
	// /-/reload); nil disables reloading.
	Load Loader
	// Impacter, if set, fills announcements and postmortems with what the
	// incident's runbook says users see.
	Impacter Impacter
	// Notifiers, if set, replace the configured notifiers by target type
	// (replay counts notifications instead of sending them).
	Notifiers map[string]notify.Notifier
	// Recorder, if set, is given every accepted webhook (serve --record).
	Recorder Recorder
}

// Router serves alertgate's HTTP API and runs its background stages.
type Router struct {
	opts     Options
	log      *slog.Logger
	metrics  *metrics
	rules    atomic.Pointer[rules.Rules]
	state    atomic.Pointer[state]
	pipeline *Pipeline
	flusher  *Flusher
	worker   *notify.Worker
	// fallback is the replica-local outbox for fail-open delivery, and
	// fallbackWorker drains it.
	fallback       *memory.Store
	fallbackWorker *notify.Worker
	stats          *stats
	journal        journal
	ready          atomic.Bool
	mux            *http.ServeMux
	ops            *http.ServeMux
}

// state is the part of the router a reload replaces.
type state struct {
	cfg       *config.Config
	endpoints map[alert.Source]endpoint
	maxBody   int64
}

// New wires a router from its configuration and dependencies.
func New(opts Options) (*Router, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Enricher == nil {
		opts.Enricher = noEnrichment{}
	}
	if opts.Workers <= 0 {
		opts.Workers = opts.Config.Notify.Outbox.Workers
	}
	rt := &Router{opts: opts, log: opts.Logger, metrics: newMetrics(opts.Registry), stats: &stats{}}
	rt.metrics.initRequests([]string{string(alert.SourceAlertmanager), string(alert.SourceCloudWatch), string(alert.SourceNewRelic)})
	if err := rt.apply(opts.Config); err != nil {
		return nil, err
	}
	rt.flusher = &Flusher{rules: &rt.rules, groups: opts.Store, enrich: opts.Enricher, now: opts.Now, log: rt.log, metrics: rt.metrics, kick: make(chan struct{}, 1), busy: make(chan struct{}, max(1, runtime.GOMAXPROCS(0)/2))}
	rt.fallback = memory.New(store.Options{})
	rt.pipeline = &Pipeline{rules: &rt.rules, dedup: opts.Store, correlator: opts.Store, ack: rt.acknowledgeGroup, flusher: rt.flusher, fallback: rt.fallback, now: opts.Now, log: rt.log, metrics: rt.metrics, stats: rt.stats}
	ob := opts.Config.Notify.Outbox
	rt.worker = notify.NewWorker(opts.Store, rt.notifiers(opts.Config), notify.WorkerOptions{
		Consumer:   opts.Consumer,
		MinBackoff: time.Duration(ob.MinBackoff),
		MaxBackoff: time.Duration(ob.MaxBackoff),
		MaxAge:     time.Duration(ob.MaxAge),
		Sequencer:  opts.Store,
		Fallback:   rt.fallbackFor,
		Delivered:  rt.delivered,
		Now:        opts.Now,
		Logger:     rt.log,
		Registerer: opts.Registry,
	})
	rt.registerOutboxDepth(opts.Registry)
	rt.registerStoreStats(opts.Registry)
	rt.fallbackWorker = rt.worker.For(rt.fallback, opts.Consumer+"-local")
	rt.mux, rt.ops = rt.routes(opts.Config.Server.OpsListen != "")
	return rt, nil
}

// apply compiles cfg and swaps it in; on error nothing changes.
func (rt *Router) apply(cfg *config.Config) error {
	rs, err := rules.New(cfg)
	if err != nil {
		return err
	}
	st := &state{cfg: cfg, endpoints: rt.endpoints(cfg), maxBody: cfg.Server.MaxBodyBytes}
	rt.rules.Store(rs)
	rt.state.Store(st)
	return nil
}

// ReloadNow loads the configuration again and applies it. A
// configuration that does not load or compile is rejected and the running
// one stays.
func (rt *Router) ReloadNow(ctx context.Context) error {
	if rt.opts.Load == nil {
		return errors.New("reloading is not configured")
	}
	cfg, err := rt.opts.Load(ctx)
	if err == nil {
		err = rt.apply(cfg)
	}
	if err != nil {
		rt.metrics.reloads.WithLabelValues("failure").Inc()
		rt.log.Error("configuration reload rejected; the running configuration stays", "err", err)
		return fmt.Errorf("reload rejected, keeping the running configuration: %w", err)
	}
	rt.metrics.reloads.WithLabelValues("success").Inc()
	rt.metrics.reloadTime.SetToCurrentTime()
	rt.worker.SetNotifiers(rt.notifiers(cfg))
	rt.log.Info("configuration reloaded")
	return nil
}

func (rt *Router) endpoints(cfg *config.Config) map[alert.Source]endpoint {
	eps := map[alert.Source]endpoint{}
	s := cfg.Sources
	if !s.Alertmanager.Disabled {
		eps[alert.SourceAlertmanager] = endpoint{
			receiver: alertmanager.Parser{Now: rt.opts.Now, MaxAlerts: s.Alertmanager.MaxAlerts},
			token:    s.Alertmanager.Token,
			hmac:     s.Alertmanager.HMACSecret,
			limit:    limiter(s.Alertmanager.RateLimit),
		}
	}
	if !s.NewRelic.Disabled {
		eps[alert.SourceNewRelic] = endpoint{
			receiver: newrelic.Parser{Now: rt.opts.Now, MaxAlerts: s.NewRelic.MaxAlerts},
			token:    s.NewRelic.Token,
			hmac:     s.NewRelic.HMACSecret,
			limit:    limiter(s.NewRelic.RateLimit),
		}
	}
	if !s.CloudWatch.Disabled {
		eps[alert.SourceCloudWatch] = endpoint{receiver: cloudwatch.New(cloudwatch.Config{
			TopicARNs:   s.CloudWatch.TopicARNs,
			AutoConfirm: s.CloudWatch.AutoConfirm,
			HTTPClient:  rt.opts.HTTPClient,
			Logger:      rt.log.With("source", alert.SourceCloudWatch),
			Now:         rt.opts.Now,
			SkipVerify:  s.CloudWatch.SkipSignatureVerification,
		}), limit: limiter(s.CloudWatch.RateLimit)}
	}
	for src, ep := range eps {
		ep.source = src
		eps[src] = ep
	}
	return eps
}

// limiter builds a source's rate limiter; nil when unlimited.
func limiter(l *config.RateLimit) *rate.Limiter {
	if l == nil || l.RequestsPerSecond <= 0 {
		return nil
	}
	return rate.NewLimiter(rate.Limit(l.RequestsPerSecond), max(l.Burst, 1))
}

// notifiers maps target types to notifiers for cfg. In dry-run mode every
// target is logged instead of sent.
func (rt *Router) notifiers(cfg *config.Config) map[string]notify.Notifier {
	if rt.opts.Notifiers != nil {
		return rt.opts.Notifiers
	}
	logN := notify.Log{Logger: rt.log.With("dry_run", cfg.Notify.DryRun)}
	if cfg.Notify.DryRun {
		return map[string]notify.Notifier{"log": logN, "pagerduty": logN, "slack": logN}
	}
	receivers := map[string]config.Receiver{}
	for _, r := range cfg.Receivers {
		receivers[r.Name] = r
	}
	pd, sl := cfg.Notify.PagerDuty, cfg.Notify.Slack
	return map[string]notify.Notifier{
		"log": logN,
		"slack": slack.New(slack.Config{
			APIURL:             sl.APIURL,
			Token:              sl.Token,
			Threads:            rt.opts.Store,
			PerChannelInterval: time.Duration(sl.PerChannelInterval),
			HTTPClient:         &http.Client{Timeout: time.Duration(sl.Timeout)},
			Logger:             rt.log,
			Now:                rt.opts.Now,
			Channel: func(name string) (string, config.Secret, bool) {
				r, ok := receivers[name]
				if !ok || r.Slack == nil {
					return "", "", false
				}
				return r.Slack.Channel, r.Slack.WebhookURL, true
			},
		}),
		"pagerduty": pagerduty.New(pagerduty.Config{
			URL:        pd.URL,
			HTTPClient: &http.Client{Timeout: time.Duration(pd.Timeout)},
			PerKeyRate: pd.PerKeyRate,
			Logger:     rt.log,
			Now:        rt.opts.Now,
			RoutingKey: func(name string) (config.Secret, bool) {
				r, ok := receivers[name]
				if !ok || r.PagerDuty == nil {
					return "", false
				}
				return r.PagerDuty.RoutingKey, true
			},
		}),
	}
}

// Handler returns the HTTP handler for the webhooks and the API (and the
// operational endpoints, unless server.ops_listen separates them).
func (rt *Router) Handler() http.Handler { return rt.mux }

// OpsHandler returns the handler of /metrics, /-/healthy and /-/ready
// when server.ops_listen serves them apart; nil otherwise.
func (rt *Router) OpsHandler() http.Handler {
	if rt.ops == nil {
		return nil
	}
	return rt.ops
}

func (rt *Router) routes(separateOps bool) (api, ops *http.ServeMux) {
	mux := http.NewServeMux()
	opsMux := mux
	if separateOps {
		opsMux = http.NewServeMux()
		ops = opsMux
	}
	for _, src := range []alert.Source{alert.SourceAlertmanager, alert.SourceCloudWatch, alert.SourceNewRelic} {
		mux.Handle("POST /api/v1/alerts/"+string(src), rt.handleIngest(src))
		mux.Handle("/api/v1/alerts/"+string(src), methodNotAllowed("POST"))
	}
	opsMux.HandleFunc("GET /-/healthy", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "healthy"})
	})
	opsMux.HandleFunc("GET /-/ready", rt.handleReady)
	opsMux.Handle("GET /metrics", promhttp.HandlerFor(rt.opts.Registry, promhttp.HandlerOpts{Registry: rt.opts.Registry}))
	mux.HandleFunc("POST /-/reload", rt.admin(rt.handleReload))
	mux.HandleFunc("GET /api/v1/silences", rt.admin(rt.handleListSilences))
	mux.HandleFunc("POST /api/v1/silences", rt.admin(rt.handleCreateSilence))
	mux.HandleFunc("DELETE /api/v1/silences/{id}", rt.admin(rt.handleExpireSilence))
	mux.HandleFunc("GET /api/v1/deadletters", rt.admin(rt.handleDeadLetters))
	mux.HandleFunc("POST /api/v1/slack/interactions", rt.handleSlackInteraction)
	mux.HandleFunc("GET /api/v1/incidents", rt.admin(rt.handleIncidents))
	mux.HandleFunc("GET /api/v1/incidents/{id}", rt.admin(rt.handleIncident))
	mux.HandleFunc("GET /api/v1/incidents/{id}/postmortem", rt.admin(rt.handleDocument("postmortem")))
	mux.HandleFunc("GET /api/v1/incidents/{id}/announcement", rt.admin(rt.handleDocument("announcement")))
	mux.HandleFunc("GET /api/v1/report", rt.admin(rt.handleReport))
	notFound := func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "", "no such endpoint: "+r.Method+" "+r.URL.Path)
	}
	mux.HandleFunc("/", notFound)
	if ops != nil {
		ops.HandleFunc("/", notFound)
	}
	return mux, ops
}

// handleReady answers 503 until the router runs and while it shuts down.
// An unreachable store does not make it unready: alertgate then delivers
// without deduplication (fail open), and taking every replica out of the
// Service would drop alerts instead.
func (rt *Router) handleReady(w http.ResponseWriter, r *http.Request) {
	if !rt.ready.Load() {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "not ready"})
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), time.Second)
	defer cancel()
	if err := rt.opts.Store.Ping(ctx); err != nil {
		writeJSON(w, http.StatusOK, map[string]string{"status": "degraded", "store": err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

// Run runs the flusher and the outbox workers until ctx ends, then drains:
// it flushes due groups and delivers what the outbox holds, until drain
// ends, so a memory-store replica loses as little as possible on SIGTERM.
func (rt *Router) Run(ctx, drain context.Context) {
	var wg sync.WaitGroup
	wg.Go(func() { rt.flusher.Run(ctx, time.Second) })
	for range rt.opts.Workers {
		wg.Go(func() { rt.worker.Run(ctx) })
	}
	wg.Go(func() { rt.fallbackWorker.Run(ctx) })
	wg.Go(func() { rt.stats.run(ctx, rt.opts.Store, rt.log, 10*time.Second) })
	wg.Go(func() { rt.watchEpoch(ctx, 5*time.Second) })
	rt.ready.Store(true)
	<-ctx.Done()
	rt.ready.Store(false)
	wg.Wait()
	rt.drain(drain)
}

// SetReady marks the router ready or not, for shutdown sequencing.
func (rt *Router) SetReady(ok bool) { rt.ready.Store(ok) }

func (rt *Router) drain(ctx context.Context) {
	if err := rt.Step(ctx); err != nil {
		rt.log.Warn("final flush and delivery incomplete", "err", err)
	}
}

// Step does at once what the background loops do over time: flush every
// due group and escalation, then deliver everything ready in both
// outboxes. Replay and tests, which drive the clock, call it; the errors
// of each part are returned together, after every part was tried, as the
// loops would go on after a failure too.
func (rt *Router) Step(ctx context.Context) error {
	errs := []error{rt.flusher.FlushDue(ctx)}
	for _, w := range []*notify.Worker{rt.fallbackWorker, rt.worker} {
		for ctx.Err() == nil {
			n, err := w.RunOnce(ctx, 0)
			if err != nil {
				errs = append(errs, err)
			}
			if err != nil || n == 0 {
				break
			}
		}
	}
	return errors.Join(errs...)
}

// methodNotAllowed answers 405 in JSON, like every other error.
func methodNotAllowed(allow string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", allow)
		writeError(w, http.StatusMethodNotAllowed, "", r.Method+" not allowed, use "+allow)
	}
}

type noEnrichment struct{}

func (noEnrichment) Enrich(context.Context, *notify.Notification) {}
