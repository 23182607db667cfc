// Package router is alertgate's HTTP front door: the webhook endpoints
// with their authentication and limits, the operator API, Slack
// interactions, health, readiness, metrics and reload. What happens to
// alerts once accepted is package pipeline's.
package router

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/config"
	"github.com/alertgate/alertgate/internal/audit"
	"github.com/alertgate/alertgate/router/amapi"
	"github.com/alertgate/alertgate/router/console"
	"github.com/alertgate/alertgate/router/internal/httpx"
	"github.com/alertgate/alertgate/router/internal/operator"
	"github.com/alertgate/alertgate/router/notify"
	"github.com/alertgate/alertgate/router/notify/receiver"
	"github.com/alertgate/alertgate/router/pipeline"
	"github.com/alertgate/alertgate/router/source"
	"github.com/alertgate/alertgate/router/source/builtin"
	"github.com/alertgate/alertgate/router/store"
	"github.com/alertgate/alertgate/router/store/memory"
	"github.com/alertgate/alertgate/rules"
)

// OperatorStore is what the operator API and the console read and write
// directly: silences and incidents.
type OperatorStore = operator.Store

// Reloadable is a part of alertgate that compiles from the configuration
// (runbooks, on-call schedules, the engine's rules and notifiers).
// Prepare compiles cfg without changing anything and returns the function
// that puts the result in place; a reload commits only when every part
// prepared.
type Reloadable interface {
	Prepare(cfg *config.Config) (commit func(), err error)
}

// Options are the router's dependencies. Config, Engine, Store and
// Registry are required.
type Options struct {
	Config *config.Config
	Engine *pipeline.Engine
	Store  OperatorStore
	// Sources are the webhook sources; nil means builtin.Registry().
	Sources source.Registry
	// Registry serves /metrics and receives the router's metrics.
	Registry *prometheus.Registry
	Logger   *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// HTTPClient fetches SNS certificates and confirms subscriptions;
	// nil means a default client with timeouts.
	HTTPClient *http.Client
	// Roots are the certificate authorities SNS signing certificates
	// must chain to; nil means the system's.
	Roots *x509.CertPool
	// Load re-reads the configuration for a reload (SIGHUP, POST
	// /-/reload); nil disables reloading.
	Load Loader
	// Reloadables are prepared and committed with the engine and the
	// router's own endpoints on every reload.
	Reloadables []Reloadable
	// Recorder, if set, is given every accepted webhook (serve --record).
	Recorder Recorder
	// WhatIf runs the console's What-if comparisons; nil turns them off.
	WhatIf console.WhatIf
	// Audit records every action of the console and the operator API;
	// nil records them in the log only.
	Audit *audit.Log
	// OnCall tells the console who is on call; nil shows nobody.
	OnCall rules.OnCaller
	// Describer gives the console an incident's runbook, impact and
	// summary (enrich.Enricher); nil shows none.
	Describer console.Describer
}

// Router serves alertgate's HTTP API.
type Router struct {
	opts    Options
	engine  *pipeline.Engine
	log     *slog.Logger
	metrics *metrics
	state   atomic.Pointer[state]
	// reloading serializes reloads.
	reloading sync.Mutex
	ready     atomic.Bool
	// rejects samples the log lines of rejected requests.
	rejects *rejectLog
	mux     *http.ServeMux
	ops     *http.ServeMux
	// actions are people's actions, whichever endpoint they come from.
	actions *operator.Actions
	console *console.Server
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
	if opts.Sources == nil {
		opts.Sources = builtin.Registry()
	}
	if opts.Audit == nil {
		opts.Audit, _ = audit.New(opts.Logger, "")
	}
	if opts.Engine == nil || opts.Store == nil || opts.Config == nil || opts.Registry == nil {
		return nil, errors.New("router: Config, Engine, Store and Registry are required")
	}
	rt := &Router{opts: opts, engine: opts.Engine, log: opts.Logger, metrics: newMetrics(opts.Registry), rejects: newRejectLog(opts.Now)}
	rt.actions = &operator.Actions{Store: opts.Store, Engine: opts.Engine, Audit: opts.Audit, Log: opts.Logger, Now: opts.Now}
	var err error
	rt.console, err = console.New(opts.Config, console.Deps{Store: opts.Store, Engine: opts.Engine, Actions: rt.actions, Logger: opts.Logger, Now: opts.Now,
		WhatIf: opts.WhatIf, OnCall: opts.OnCall, Describer: opts.Describer})
	if err != nil {
		return nil, err
	}
	// Whoever acts, through the console or the API, sees the result on
	// the Now board at once.
	rt.actions.Changed = rt.console.Changed
	names := make([]string, 0, len(opts.Sources))
	for _, s := range opts.Sources.Names() {
		names = append(names, string(s))
	}
	rt.metrics.initRequests(names)
	rt.prepare(opts.Config)()
	rt.mux, rt.ops = rt.routes(opts.Config.Server.OpsListen != "")
	return rt, nil
}

// prepare builds the router's own state for cfg: the endpoints of the
// enabled sources.
func (rt *Router) prepare(cfg *config.Config) (commit func()) {
	eps := map[alert.Source]endpoint{}
	for _, k := range rt.opts.Sources {
		set := k.Endpoint(&cfg.Sources)
		if set.Disabled {
			continue
		}
		ep := endpoint{
			source: k.Name,
			receiver: k.New(&cfg.Sources, source.Deps{
				Now:        rt.opts.Now,
				HTTPClient: rt.opts.HTTPClient,
				Roots:      rt.opts.Roots,
				Logger:     rt.log.With("source", k.Name),
			}),
			limit: limiter(set.RateLimit),
		}
		if k.Auth == source.AuthToken {
			ep.token, ep.hmac = set.Token, set.HMACSecret
		}
		eps[k.Name] = ep
	}
	st := &state{cfg: cfg, endpoints: eps, maxBody: cfg.Server.MaxBodyBytes}
	return func() { rt.state.Store(st) }
}

// ReloadNow loads the configuration again and applies it: the engine,
// every Reloadable and the router's endpoints are prepared first, and
// committed together only if all of them compiled. A configuration that
// does not load or compile is rejected and the running one stays.
// Reloads are serialized.
func (rt *Router) ReloadNow(ctx context.Context) error {
	if rt.opts.Load == nil {
		return errors.New("reloading is not configured")
	}
	rt.reloading.Lock()
	defer rt.reloading.Unlock()
	commits, err := rt.prepareAll(ctx)
	if err != nil {
		rt.metrics.reloads.WithLabelValues("failure").Inc()
		rt.log.Error("configuration reload rejected; the running configuration stays", "err", err)
		return fmt.Errorf("reload rejected, keeping the running configuration: %w", err)
	}
	for _, commit := range commits {
		commit()
	}
	rt.metrics.reloads.WithLabelValues("success").Inc()
	rt.metrics.reloadTime.SetToCurrentTime()
	rt.log.Info("configuration reloaded")
	return nil
}

func (rt *Router) prepareAll(ctx context.Context) ([]func(), error) {
	cfg, err := rt.opts.Load(ctx)
	if err != nil {
		return nil, err
	}
	commits := []func(){}
	for _, r := range append([]Reloadable{rt.engine, rt.console}, rt.opts.Reloadables...) {
		commit, err := r.Prepare(cfg)
		if err != nil {
			return nil, err
		}
		commits = append(commits, commit)
	}
	return append(commits, rt.prepare(cfg)), nil
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
	for _, src := range rt.opts.Sources.Names() {
		mux.Handle("POST /api/v1/alerts/"+string(src), rt.handleIngest(src))
		mux.Handle("/api/v1/alerts/"+string(src), httpx.MethodNotAllowed("POST"))
	}
	opsMux.HandleFunc("GET /-/healthy", func(w http.ResponseWriter, _ *http.Request) {
		httpx.WriteJSON(w, http.StatusOK, map[string]string{"status": "healthy"})
	})
	opsMux.HandleFunc("GET /-/ready", rt.handleReady)
	opsMux.Handle("GET /metrics", promhttp.HandlerFor(rt.opts.Registry, promhttp.HandlerOpts{Registry: rt.opts.Registry}))
	mux.HandleFunc("POST /-/reload", rt.admin(rt.handleReload))
	mux.HandleFunc("GET /api/v1/silences", rt.admin(rt.handleListSilences))
	mux.HandleFunc("POST /api/v1/silences", rt.admin(rt.handleCreateSilence))
	mux.HandleFunc("DELETE /api/v1/silences/{id}", rt.admin(rt.handleExpireSilence))
	mux.HandleFunc("GET /api/v1/deadletters", rt.admin(rt.handleDeadLetters))
	mux.HandleFunc("POST /api/v1/slack/interactions", rt.handleSlackInteraction)
	mux.HandleFunc("POST /api/v1/pagerduty/webhook", rt.handlePagerDutyWebhook)
	mux.HandleFunc("GET /api/v1/incidents", rt.admin(rt.handleIncidents))
	mux.HandleFunc("GET /api/v1/incidents/{id}", rt.admin(rt.handleIncident))
	mux.HandleFunc("GET /api/v1/incidents/{id}/postmortem", rt.admin(rt.handleDocument(pipeline.DocumentPostmortem)))
	mux.HandleFunc("GET /api/v1/incidents/{id}/announcement", rt.admin(rt.handleDocument(pipeline.DocumentAnnouncement)))
	mux.HandleFunc("GET /api/v1/report", rt.admin(rt.handleReport))
	mux.HandleFunc("POST /api/v1/incidents/{id}/ack", rt.admin(rt.handleAPIAck))
	mux.HandleFunc("POST /api/v1/incidents/{id}/resolve", rt.admin(rt.handleAPIResolve))
	amapi.New(amapi.Deps{Actions: rt.actions, Store: rt.opts.Store, Now: rt.opts.Now, Config: rt.engine.Config}).Routes(mux, rt.admin)
	rt.console.Routes(mux)
	mux.HandleFunc("GET /api/v1/heartbeats", rt.admin(rt.handleHeartbeats))
	mux.HandleFunc("GET /api/v1/chronic", rt.admin(rt.handleChronic))
	mux.HandleFunc("POST /api/v1/chronic/{receiver}/digest", rt.admin(rt.handleChronicDigest))
	notFound := func(w http.ResponseWriter, r *http.Request) {
		httpx.WriteError(w, http.StatusNotFound, "", "no such endpoint: "+r.Method+" "+r.URL.Path)
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
		httpx.WriteJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "not ready"})
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), time.Second)
	defer cancel()
	if err := rt.engine.Ping(ctx); err != nil {
		httpx.WriteJSON(w, http.StatusOK, map[string]string{"status": "degraded", "store": err.Error()})
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

// Run runs the engine until ctx ends, ready meanwhile, then lets it drain
// until drain ends.
func (rt *Router) Run(ctx, drain context.Context) {
	stop := context.AfterFunc(ctx, func() { rt.ready.Store(false) })
	defer stop()
	rt.engine.Run(ctx, drain, func() { rt.ready.Store(true) })
}

// SetReady marks the router ready or not, for shutdown sequencing.
func (rt *Router) SetReady(ok bool) { rt.ready.Store(ok) }

// Step flushes due groups and delivers what is ready (pipeline.Engine.Step),
// for replay and tests that drive the clock.
func (rt *Router) Step(ctx context.Context) error { return rt.engine.Step(ctx) }

// NewReplay returns a router for `alertgate replay`: the engine on a
// fresh memory store, reading the clock from now, delivering nothing but
// telling sink each notification and the provider calls it would make
// (receiver.Rehearse). enricher, when not nil, builds the enrichment
// stage on the replay's store, as serve builds it on its own: it enriches
// notifications and mutes alerts in runbook quiet windows.
func NewReplay(cfg *config.Config, now func() time.Time, sink notify.CallSink, enricher func(st store.Store) (ReplayEnricher, error)) (*Router, error) {
	st := memory.New(pipeline.StoreOptions(cfg))
	reg := prometheus.NewRegistry()
	log := slog.New(slog.DiscardHandler)
	opts := pipeline.Options{
		Store:      st,
		Registerer: reg,
		Logger:     log,
		Now:        now,
		Consumer:   "replay",
		Notifiers: func(cfg *config.Config) map[config.TargetType]notify.Notifier {
			return receiver.Rehearse(cfg, sink)
		},
	}
	if enricher != nil {
		en, err := enricher(st)
		if err != nil {
			return nil, err
		}
		opts.Enricher, opts.Muters = en, []pipeline.Muter{en}
	}
	engine, err := pipeline.New(cfg, opts)
	if err != nil {
		return nil, err
	}
	return New(Options{Config: cfg, Engine: engine, Store: st, Registry: reg, Logger: log, Now: now})
}

// ReplayEnricher enriches replayed notifications and mutes alerts in
// runbook quiet windows, as enrich.Enricher does in serve.
type ReplayEnricher interface {
	pipeline.Enricher
	pipeline.Muter
}

// ServeHTTP serves the webhooks and the API, so a router is a
// replay.Gate.
func (rt *Router) ServeHTTP(w http.ResponseWriter, r *http.Request) { rt.mux.ServeHTTP(w, r) }
