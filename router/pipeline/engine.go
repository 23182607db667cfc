package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/alertgate/alertgate/config"
	"github.com/alertgate/alertgate/router/notify"
	"github.com/alertgate/alertgate/router/notify/receiver"
	"github.com/alertgate/alertgate/router/store"
	"github.com/alertgate/alertgate/router/store/memory"
	"github.com/alertgate/alertgate/rules"
)

// Enricher adds runbook, summary and on-call to a notification. It must
// return within its own deadline whatever happens: a page is never held
// up by enrichment.
type Enricher interface {
	Enrich(ctx context.Context, n *notify.Notification)
}

// Options are the engine's dependencies. Store is required.
type Options struct {
	Store    store.Store
	Enricher Enricher
	// Muters are mute stages besides those of the configuration (time
	// intervals, silences, maintenance windows, inhibition): runbook
	// quiet windows, say.
	Muters []Muter
	// Impacter, if set, fills announcements and postmortems with what the
	// incident's runbook says users see, and drafts their narrative.
	Impacter Impacter
	// Notifiers builds the notifiers of a configuration; nil means the
	// configured integrations (receiver.Build). Replay counts
	// notifications instead of sending them.
	Notifiers func(cfg *config.Config) map[config.TargetType]notify.Notifier
	// Registerer receives the engine's metrics.
	Registerer prometheus.Registerer
	Logger     *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Consumer names this replica in the outbox consumer group.
	Consumer string
	// Workers is the number of outbox workers; 0 means
	// notify.outbox.workers.
	Workers int
}

// setup is what one configuration compiles to. A reload builds a new one
// and swaps it whole; a flush reads one setup from start to end.
type setup struct {
	cfg   *config.Config
	rules *rules.Rules
}

// Engine ingests alerts, flushes due groups and delivers notifications.
type Engine struct {
	opts    Options
	log     *slog.Logger
	metrics *metrics
	setup   atomic.Pointer[setup]
	flusher *flusher
	worker  *notify.Worker
	// local is the replica-local outbox for fail-open delivery, and
	// localWorker drains it.
	local       *memory.Store
	localWorker *notify.Worker
	stats       *stats
	journal     journal
	// journaled says the store can lose its state while the engine runs
	// (it is not store.ProcessLocal), so accepted alerts are journaled.
	journaled bool
	// degraded are the alerts delivered without the store, to tell it
	// about once it answers again (reconcile.go).
	degraded    pending
	reconciling sync.Mutex
	hb          heartbeats
}

// New returns an engine running cfg, which must have passed validation.
func New(cfg *config.Config, opts Options) (*Engine, error) {
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
		opts.Workers = cfg.Notify.Outbox.Workers
	}
	if opts.Registerer == nil {
		opts.Registerer = prometheus.NewRegistry()
	}
	if opts.Notifiers == nil {
		deps := receiver.Deps{Threads: opts.Store, Logger: opts.Logger, Now: opts.Now}
		opts.Notifiers = func(cfg *config.Config) map[config.TargetType]notify.Notifier { return receiver.Build(cfg, deps) }
	}
	e := &Engine{opts: opts, log: opts.Logger, metrics: newMetrics(opts.Registerer), stats: &stats{}, local: memory.New(store.Options{}),
		hb: heartbeats{armed: map[string]config.Heartbeat{}, lastSeen: map[string]time.Time{}, pushed: map[string]time.Time{}, armedAt: map[string]time.Time{}}}
	_, local := opts.Store.(store.ProcessLocal)
	e.journaled = !local
	rs, err := rules.New(cfg)
	if err != nil {
		return nil, err
	}
	e.setup.Store(&setup{cfg: cfg, rules: rs})
	e.flusher = &flusher{e: e, kick: make(chan struct{}, 1), wakes: newWakes(), busy: make(chan struct{}, max(1, runtime.GOMAXPROCS(0)/2))}
	ob := cfg.Notify.Outbox
	e.worker = notify.NewWorker(opts.Store, opts.Notifiers(cfg), notify.WorkerOptions{
		Consumer:   opts.Consumer,
		MinBackoff: time.Duration(ob.MinBackoff),
		MaxBackoff: time.Duration(ob.MaxBackoff),
		MaxAge:     time.Duration(ob.MaxAge),
		// Redis reclaims by this; the local outbox has its own default,
		// longer, so this bound is the tighter of the two.
		ReclaimAfter: time.Duration(ob.ReclaimAfter),
		Sequencer:    opts.Store,
		Fallback:     e.fallbackFor,
		Delivered:    e.delivered,
		Now:          opts.Now,
		Logger:       e.log,
		Registerer:   opts.Registerer,
	})
	e.localWorker = e.worker.For(e.local, opts.Consumer+"-local")
	e.registerOutboxDepth(opts.Registerer)
	e.registerStoreStats(opts.Registerer)
	return e, nil
}

// Prepare compiles cfg's rules and notifiers and returns the function
// that puts them in place; until it is called nothing changes, so a
// reload prepares every part first and commits only when all compiled.
func (e *Engine) Prepare(cfg *config.Config) (commit func(), err error) {
	rs, err := rules.New(cfg)
	if err != nil {
		return nil, err
	}
	notifiers := e.opts.Notifiers(cfg)
	return func() {
		e.setup.Store(&setup{cfg: cfg, rules: rs})
		e.worker.SetNotifiers(notifiers)
	}, nil
}

// Rules returns the running rules.
func (e *Engine) Rules() *rules.Rules { return e.setup.Load().rules }

// Run runs the flusher and the outbox workers until ctx ends, then
// drains: it flushes due groups and delivers what the outbox holds, until
// drain ends, so a memory-store replica loses as little as possible on
// SIGTERM. ready is called once the loops run.
func (e *Engine) Run(ctx, drain context.Context, ready func()) {
	var wg sync.WaitGroup
	wg.Go(func() { e.flusher.run(ctx, time.Second) })
	for range e.opts.Workers {
		wg.Go(func() { e.worker.Run(ctx) })
	}
	wg.Go(func() { e.localWorker.Run(ctx) })
	wg.Go(func() { e.stats.run(ctx, e.opts.Store, e.log, 10*time.Second) })
	wg.Go(func() { e.watchEpoch(ctx, 5*time.Second) })
	wg.Go(func() { e.watchDegraded(ctx) })
	if ready != nil {
		ready()
	}
	<-ctx.Done()
	wg.Wait()
	if err := e.Step(drain); err != nil {
		e.log.Warn("final flush and delivery incomplete", "err", err)
	}
}

// Step does at once what the background loops do over time: flush every
// due group and escalation, then deliver everything ready in both
// outboxes. Replay and tests, which drive the clock, call it; the errors
// of each part are returned together, after every part was tried, as the
// loops would go on after a failure too.
func (e *Engine) Step(ctx context.Context) error {
	e.reconcile(ctx)
	errs := []error{e.flusher.flushDue(ctx)}
	for _, w := range []*notify.Worker{e.localWorker, e.worker} {
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

// Ping reports whether the store answers.
func (e *Engine) Ping(ctx context.Context) error { return e.opts.Store.Ping(ctx) }

// DeadLetters returns up to limit dead letters, newest first.
func (e *Engine) DeadLetters(ctx context.Context, limit int) ([]notify.DeadLetter, error) {
	dl, err := e.opts.Store.DeadLetters(ctx, limit)
	if err != nil {
		return nil, fmt.Errorf("dead letters: %w", err)
	}
	return dl, nil
}

type noEnrichment struct{}

func (noEnrichment) Enrich(context.Context, *notify.Notification) {}
