package notify

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/alertgate/alertgate/config"
	"github.com/prometheus/client_golang/prometheus"
)

// Notifier delivers a notification to one kind of target.
type Notifier interface {
	Notify(ctx context.Context, n *Notification) error
}

// Outbox is the durable queue the worker consumes.
type Outbox interface {
	Enqueue(ctx context.Context, now time.Time, payloads ...[]byte) error
	ClaimOutbox(ctx context.Context, now time.Time, consumer string, limit int, wait time.Duration) ([]Entry, error)
	Ack(ctx context.Context, id string) error
	Retry(ctx context.Context, e Entry, at time.Time, lastErr string) error
	DeadLetter(ctx context.Context, now time.Time, e Entry, reason string) error
}

// Sequencer guards the order of an incident's notifications at a target.
type Sequencer interface {
	Advance(ctx context.Context, now time.Time, occurrence, target string, seq int64) (bool, error)
}

// Fallback returns the notifications that replace one that failed
// permanently (a copy for the receiver's fallback receiver), or nothing.
type Fallback func(n *Notification, cause error) [][]byte

// WorkerOptions configure a Worker.
type WorkerOptions struct {
	// Sequencer, if set, drops a notification older than one already
	// applied at its target.
	Sequencer Sequencer
	// Fallback, if set, is asked for replacements of dead letters.
	Fallback Fallback
	// Delivered, if set, is told of every notification a target accepted.
	Delivered func(ctx context.Context, n *Notification, at time.Time)
	// Consumer names this worker in the outbox's consumer group; unique
	// per replica.
	Consumer string
	// MinBackoff and MaxBackoff bound the exponential backoff between
	// attempts.
	MinBackoff, MaxBackoff time.Duration
	// MaxAge is how long a notification is retried before it is
	// dead-lettered as undeliverable.
	MaxAge time.Duration
	// Batch is how many entries one claim takes.
	Batch int
	// ReclaimAfter is how long the outbox lets an entry stay claimed
	// before another consumer may take it over. Entries of a batch not
	// started within half of it are handed back instead of delivered
	// late, when another worker may be delivering them too. Zero means
	// no such bound.
	ReclaimAfter time.Duration
	// Now is the clock; nil means time.Now.
	Now    func() time.Time
	Logger *slog.Logger
	// Registerer receives the worker's metrics; nil means none.
	Registerer prometheus.Registerer
}

// Worker delivers outbox entries to notifiers.
type Worker struct {
	outbox Outbox
	opts   WorkerOptions
	*shared
}

// shared is what workers over different outboxes have in common.
type shared struct {
	notifiers atomic.Pointer[map[config.TargetType]Notifier]
	metrics   *workerMetrics
}

// NewWorker returns a worker over outbox delivering with notifiers, keyed
// by Target.Type.
func NewWorker(outbox Outbox, notifiers map[config.TargetType]Notifier, opts WorkerOptions) *Worker {
	if opts.Consumer == "" {
		opts.Consumer = "alertgate"
	}
	if opts.MinBackoff <= 0 {
		opts.MinBackoff = time.Second
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = 5 * time.Minute
	}
	if opts.MaxAge <= 0 {
		opts.MaxAge = 24 * time.Hour
	}
	if opts.Batch <= 0 {
		opts.Batch = 16
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	w := &Worker{outbox: outbox, opts: opts, shared: &shared{metrics: newWorkerMetrics(opts.Registerer)}}
	w.SetNotifiers(notifiers)
	return w
}

// For returns a worker that delivers from another outbox with the same
// notifiers and metrics (the replica-local fallback outbox used while the
// store is unreachable, say).
func (w *Worker) For(outbox Outbox, consumer string) *Worker {
	c := &Worker{outbox: outbox, opts: w.opts, shared: w.shared}
	c.opts.Consumer = consumer
	return c
}

// SetNotifiers replaces the notifiers, on configuration reload; workers
// made with For see the change too.
func (w *Worker) SetNotifiers(n map[config.TargetType]Notifier) { w.notifiers.Store(&n) }

// Run delivers until ctx is done.
func (w *Worker) Run(ctx context.Context) {
	for ctx.Err() == nil {
		if _, err := w.RunOnce(ctx, time.Second); err != nil && ctx.Err() == nil {
			w.opts.Logger.Warn("outbox claim failed", "err", err)
			sleep(ctx, time.Second)
		}
	}
}

// RunOnce claims one batch, waiting up to wait for entries, and delivers
// it. It returns how many entries it handled.
//
// A delivery that has started finishes even if ctx ends (a shutdown):
// abandoning a request the provider may already have acted on would send
// it twice. Entries of the batch not yet started when ctx ends are handed
// back to the outbox at once for another replica, and so are those not
// started within half of ReclaimAfter: by ReclaimAfter another worker
// (of this replica or another) takes over an entry it finds still
// claimed, and two workers would deliver it.
func (w *Worker) RunOnce(ctx context.Context, wait time.Duration) (int, error) {
	entries, err := w.outbox.ClaimOutbox(ctx, w.opts.Now(), w.opts.Consumer, w.opts.Batch, wait)
	if err != nil {
		return 0, err
	}
	claimed := w.opts.Now()
	dctx := context.WithoutCancel(ctx)
	for i, e := range entries {
		if ctx.Err() != nil || w.late(claimed) {
			w.release(dctx, entries[i:])
			break
		}
		w.deliver(dctx, e)
	}
	return len(entries), nil
}

// late reports whether entries claimed at claimed should no longer be
// started.
func (w *Worker) late(claimed time.Time) bool {
	return w.opts.ReclaimAfter > 0 && w.opts.Now().Sub(claimed) >= w.opts.ReclaimAfter/2
}

// release gives claimed entries back to the outbox, due now.
func (w *Worker) release(ctx context.Context, entries []Entry) {
	now := w.opts.Now()
	for _, e := range entries {
		if err := w.outbox.Retry(ctx, e, now, "released unstarted"); err != nil {
			w.opts.Logger.Warn("releasing an outbox entry failed; another replica reclaims it later", "entry", e.ID, "err", err)
		}
	}
}

func (w *Worker) deliver(ctx context.Context, e Entry) {
	n, err := Decode(e.Payload)
	if err != nil {
		w.deadLetter(ctx, e, nil, err)
		return
	}
	log := w.opts.Logger.With("incident", n.Occurrence(), "target", n.Target.String(), "kind", n.Kind, "attempt", e.Attempts+1)
	notifier, ok := (*w.notifiers.Load())[n.Target.Type]
	if !ok {
		w.deadLetter(ctx, e, n, errors.New("no notifier for target type "+string(n.Target.Type)))
		return
	}
	if w.stale(ctx, n) {
		w.metrics.result(n, "stale")
		log.Info("notification skipped: a newer one for this incident was already delivered", "seq", n.Seq)
		w.ack(ctx, log, e)
		return
	}
	err = notifier.Notify(ctx, n)
	now := w.opts.Now()
	if err == nil {
		w.metrics.result(n, "sent")
		w.metrics.latency.WithLabelValues(string(n.Target.Type)).Observe(now.Sub(n.CreatedAt).Seconds())
		w.ack(ctx, log, e)
		if w.opts.Delivered != nil {
			w.opts.Delivered(ctx, n, now)
		}
		log.Debug("delivered")
		return
	}
	permanent, after := classify(err)
	if permanent || now.Sub(e.Enqueued) > w.opts.MaxAge {
		w.deadLetter(ctx, e, n, err)
		return
	}
	// A wait the provider (or our own pacing) asked for is honoured as
	// is; backoff is for failures that give no such guidance.
	wait := after
	if wait <= 0 {
		wait = w.backoff(e.Attempts)
	}
	if errors.Is(err, ErrPaced) {
		w.metrics.result(n, "paced")
		log.Debug("delivery paced", "retry_in", wait)
	} else {
		w.metrics.result(n, "retried")
		log.Warn("delivery failed, will retry", "err", err, "retry_in", wait)
	}
	if err := w.outbox.Retry(ctx, e, now.Add(wait), err.Error()); err != nil {
		log.Error("outbox retry failed; the entry will be reclaimed", "err", err)
	}
}

func (w *Worker) ack(ctx context.Context, log *slog.Logger, e Entry) {
	if err := w.outbox.Ack(ctx, e.ID); err != nil {
		log.Warn("outbox ack failed; the notification may be delivered again", "err", err)
	}
}

// stale reports whether a newer notification of the incident was already
// applied at the target. If the check itself fails the notification goes
// out: a possible duplicate beats a possible loss.
func (w *Worker) stale(ctx context.Context, n *Notification) bool {
	if w.opts.Sequencer == nil {
		return false
	}
	fresh, err := w.opts.Sequencer.Advance(ctx, w.opts.Now(), n.Occurrence(), n.Target.String(), n.Seq)
	if err != nil {
		w.opts.Logger.Warn("notification order check failed; delivering anyway", "incident", n.Occurrence(), "err", err)
		return false
	}
	return !fresh
}

func (w *Worker) deadLetter(ctx context.Context, e Entry, n *Notification, cause error) {
	w.metrics.deadLetters.Inc()
	log := w.opts.Logger.With("entry", e.ID, "attempts", e.Attempts+1)
	if n != nil {
		w.metrics.result(n, "dead")
		log = log.With("incident", n.Occurrence(), "target", n.Target.String())
	}
	log.Error("notification dead-lettered", "err", cause)
	if err := w.outbox.DeadLetter(ctx, w.opts.Now(), e, cause.Error()); err != nil {
		log.Error("dead-letter write failed", "err", err)
	}
	if n == nil || w.opts.Fallback == nil {
		return
	}
	if repl := w.opts.Fallback(n, cause); len(repl) > 0 {
		if err := w.outbox.Enqueue(ctx, w.opts.Now(), repl...); err != nil {
			log.Error("enqueueing the fallback notification failed", "err", err)
			return
		}
		log.Warn("notification sent to the fallback receiver instead", "fallbacks", len(repl))
	}
}

// backoff is exponential in the attempts made, with full jitter in its
// upper half so that replicas retrying the same provider spread out.
func (w *Worker) backoff(attempts int) time.Duration {
	d := w.opts.MinBackoff << min(attempts, 20)
	if d <= 0 || d > w.opts.MaxBackoff {
		d = w.opts.MaxBackoff
	}
	return d/2 + rand.N(d/2+1)
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

type workerMetrics struct {
	results     *prometheus.CounterVec
	latency     *prometheus.HistogramVec
	deadLetters prometheus.Counter
}

func newWorkerMetrics(reg prometheus.Registerer) *workerMetrics {
	m := &workerMetrics{
		results: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "alertgate_notifications_total",
			Help: "Notification delivery attempts by receiver, target type and result (sent, retried, paced, dead, stale).",
		}, []string{"receiver", "target", "result"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "alertgate_delivery_latency_seconds",
			Help:    "Time from the decision to notify until the provider accepted the notification.",
			Buckets: []float64{.01, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300},
		}, []string{"target"}),
		deadLetters: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "alertgate_dead_letters_total",
			Help: "Notifications given up as undeliverable.",
		}),
	}
	if reg != nil {
		reg.MustRegister(m.results, m.latency, m.deadLetters)
	}
	return m
}

func (m *workerMetrics) result(n *Notification, result string) {
	m.results.WithLabelValues(n.Target.Receiver, string(n.Target.Type), result).Inc()
}
