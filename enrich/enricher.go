package enrich

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/config"
	"github.com/alertgate/alertgate/enrich/llm"
	"github.com/alertgate/alertgate/enrich/runbook"
	"github.com/alertgate/alertgate/incident"
	"github.com/alertgate/alertgate/router/notify"
)

// OnCaller tells who is on call for a receiver at a time, and from which
// schedule (package oncall answers it).
type OnCaller interface {
	OnCall(ctx context.Context, receiver string, at time.Time) (name, schedule string, err error)
}

// Summarizer writes a short, situation-specific summary of an incident.
type Summarizer interface {
	Summarize(ctx context.Context, n *notify.Notification, h llm.History) (string, error)
}

// Options configure an Enricher. Every field is optional.
type Options struct {
	// Runbooks are the team's runbooks.
	Runbooks []*runbook.Runbook
	// RunbookBaseURL links a runbook without its own url: base + file name.
	RunbookBaseURL string
	// OnCall tells who is on call for a receiver.
	OnCall OnCaller
	// History tells what is known of an incident's past, for the prompt.
	History func(ctx context.Context, n *notify.Notification) llm.History
	// Summarizer writes summaries with an LLM; nil means the
	// deterministic fallback only.
	Summarizer Summarizer
	// Timeout bounds the LLM; past it the fallback is used.
	Timeout time.Duration
	// OnCallTimeout bounds the on-call lookup.
	OnCallTimeout time.Duration
	Now           func() time.Time
	Logger        *slog.Logger
	Registerer    prometheus.Registerer
}

// maxSteps is how many runbook steps travel with a notification.
const maxSteps = 5

// Enricher fills a notification's Enrichment: the most specific runbook,
// who is on call, and a summary — from the LLM when it answers in time,
// otherwise the deterministic fallback. It never fails and never holds a
// notification longer than its timeouts.
type Enricher struct {
	opts     Options
	runbooks atomic.Pointer[runbookSet]
	metrics  *metrics
	breaker  breaker
}

type runbookSet struct {
	matcher *runbook.Matcher
	byID    map[string]*runbook.Runbook
}

// New returns an Enricher.
func New(opts Options) *Enricher {
	if opts.Timeout <= 0 {
		opts.Timeout = 4 * time.Second
	}
	if opts.OnCallTimeout <= 0 {
		opts.OnCallTimeout = time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	e := &Enricher{opts: opts, metrics: newMetrics(opts.Registerer)}
	e.SetRunbooks(opts.Runbooks)
	return e
}

// SetRunbooks replaces the runbooks.
func (e *Enricher) SetRunbooks(rbs []*runbook.Runbook) { e.runbooks.Store(newRunbookSet(rbs)) }

func newRunbookSet(rbs []*runbook.Runbook) *runbookSet {
	set := &runbookSet{matcher: runbook.NewMatcher(rbs), byID: map[string]*runbook.Runbook{}}
	for _, rb := range rbs {
		set.byID[rb.ID] = rb
	}
	return set
}

// Prepare loads the runbooks cfg names (enrich.runbooks_dir) and returns
// the function that puts them in place, for a reload that commits only
// when every part of the configuration compiled.
func (e *Enricher) Prepare(cfg *config.Config) (commit func(), err error) {
	rbs, err := LoadRunbooks(cfg)
	if err != nil {
		return nil, err
	}
	set := newRunbookSet(rbs)
	return func() { e.runbooks.Store(set) }, nil
}

// LoadRunbooks loads the runbooks in cfg's enrich.runbooks_dir; none when
// it is not set.
func LoadRunbooks(cfg *config.Config) ([]*runbook.Runbook, error) {
	if cfg.Enrich.RunbooksDir == "" {
		return nil, nil
	}
	rbs, err := runbook.Load(cfg.Enrich.RunbooksDir)
	if err != nil {
		return nil, fmt.Errorf("enrich.runbooks_dir: %w", err)
	}
	return rbs, nil
}

// Enrich sets the runbook, on-call and summary of n.
func (e *Enricher) Enrich(ctx context.Context, n *notify.Notification) {
	n.Enrichment.Runbook = e.runbook(n)
	n.Enrichment.OnCall = e.onCall(ctx, n)
	n.Enrichment.Summary, n.Enrichment.SummarySource = e.summary(ctx, n)
}

// lead is the member a notification is about: the most severe firing
// one (members come sorted), else the first.
func lead(n *notify.Notification) *notify.Member {
	if len(n.Members) == 0 {
		return nil
	}
	return &n.Members[0]
}

func (e *Enricher) runbook(n *notify.Notification) *notify.Runbook {
	m := lead(n)
	if m == nil {
		return nil
	}
	rb := e.runbooks.Load().matcher.Match(m.Labels)
	if rb == nil {
		return nil
	}
	return e.shown(rb.Expand(m.Labels))
}

// shown is the part of a runbook a notification (or the console) shows:
// its link (under enrich.runbook_base_url when it has none) and first
// steps.
func (e *Enricher) shown(rb *runbook.Runbook) *notify.Runbook {
	out := &notify.Runbook{ID: rb.ID, Title: rb.Title, URL: rb.URL}
	if out.URL == "" && e.opts.RunbookBaseURL != "" && rb.File != "" {
		out.URL = e.opts.RunbookBaseURL + filepath.Base(rb.File)
	}
	for i, s := range rb.Steps {
		if i == maxSteps {
			out.More = len(rb.Steps) - maxSteps
			break
		}
		out.Steps = append(out.Steps, s.String())
		out.Parts = append(out.Parts, notify.StepPart{Text: s.Text, Command: s.Command})
	}
	return out
}

func (e *Enricher) onCall(ctx context.Context, n *notify.Notification) string {
	if e.opts.OnCall == nil {
		return ""
	}
	ctx, cancel := context.WithTimeout(ctx, e.opts.OnCallTimeout)
	defer cancel()
	name, _, err := e.opts.OnCall.OnCall(ctx, n.Target.Receiver, e.opts.Now())
	if err != nil {
		e.opts.Logger.Warn("on-call lookup failed; the notification goes without it", "receiver", n.Target.Receiver, "err", err)
	}
	return name
}

// summary asks the LLM under a deadline and falls back to the
// deterministic summary on timeout, error, exhausted budget, or when no
// LLM is configured.
func (e *Enricher) summary(ctx context.Context, n *notify.Notification) (string, string) {
	if e.opts.Summarizer == nil {
		return FallbackSummary(n), SummaryFallback
	}
	if !e.breaker.allow(e.opts.Now()) {
		e.metrics.calls.WithLabelValues("breaker").Inc()
		return FallbackSummary(n), SummaryFallback
	}
	ctx, cancel := context.WithTimeout(ctx, e.opts.Timeout)
	defer cancel()
	var h llm.History
	if e.opts.History != nil {
		h = e.opts.History(ctx, n)
	}
	start := time.Now()
	s, err := e.opts.Summarizer.Summarize(ctx, n, h)
	e.metrics.latency.Observe(time.Since(start).Seconds())
	if err == nil && s != "" {
		e.breaker.record(true, e.opts.Now())
		e.metrics.calls.WithLabelValues("ok").Inc()
		return s, SummaryLLM
	}
	reason := fallbackReason(ctx, err)
	if reason == "timeout" || reason == "error" {
		e.breaker.record(false, e.opts.Now())
	}
	e.metrics.calls.WithLabelValues(reason).Inc()
	e.opts.Logger.Info("LLM summary unavailable; using the fallback", "incident", n.Occurrence(), "reason", reason, "err", err)
	return FallbackSummary(n), SummaryFallback
}

func fallbackReason(ctx context.Context, err error) string {
	switch {
	case errors.Is(err, llm.ErrBudget):
		return "budget"
	case ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case err == nil:
		return "empty"
	}
	return "error"
}

// Impact is what users see when the runbook's problem happens.
func (e *Enricher) Impact(runbookID string) string {
	if rb := e.runbooks.Load().byID[runbookID]; rb != nil {
		return rb.Impact
	}
	return ""
}

// Mutes reports whether the runbook of an alert with these labels says
// it is expected at now (its silence_during: a known batch window), as
// "runbook <id>". It is one of the flusher's mute stages.
func (e *Enricher) Mutes(_ context.Context, labels map[string]string, now time.Time) (string, bool) {
	rb := e.runbooks.Load().matcher.Match(labels)
	if rb != nil && rb.SilencedAt(now) {
		return "runbook " + rb.ID, true
	}
	return "", false
}

type metrics struct {
	calls   *prometheus.CounterVec
	latency prometheus.Histogram
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		calls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "alertgate_llm_summaries_total",
			Help: "Summaries asked of the LLM by result: ok, or why the fallback was used (timeout, error, budget, empty, breaker).",
		}, []string{"result"}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "alertgate_llm_latency_seconds",
			Help:    "Time to get a summary from the LLM (cache hits included).",
			Buckets: []float64{.001, .01, .05, .1, .25, .5, 1, 2, 4, 8},
		}),
	}
	for _, r := range []string{"ok", "timeout", "error", "budget", "empty", "breaker"} {
		m.calls.WithLabelValues(r)
	}
	if reg != nil {
		reg.MustRegister(m.calls, m.latency)
	}
	return m
}

// Narrative drafts the summary section of an incident's announcement and
// postmortem with the LLM, from the incident's record and timeline; nil
// without an LLM or when it does not answer in time.
func (e *Enricher) Narrative(ctx context.Context, inc incident.Incident, events []incident.Event) map[string]string {
	if e.opts.Summarizer == nil {
		return nil
	}
	n := &notify.Notification{Incident: inc.Group, Title: inc.Title, Severity: inc.Severity, Status: alert.StatusFiring, CreatedAt: e.opts.Now()}
	if inc.Status == incident.StatusResolved {
		n.Status = alert.StatusResolved
	}
	seen := map[string]bool{}
	for _, ev := range events {
		if ev.Type != incident.EventOccurred || seen[ev.Alert] {
			continue
		}
		seen[ev.Alert] = true
		a := alert.Alert{Name: ev.Alert, Status: n.Status, Severity: inc.Severity, StartsAt: ev.At, Fingerprint: ev.Fingerprint,
			Labels: map[string]string{alert.LabelService: inc.Service}, Annotations: map[string]string{"summary": ev.Detail}}
		n.Members = append(n.Members, notify.Member{Alert: a})
	}
	if len(n.Members) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, e.opts.Timeout)
	defer cancel()
	s, err := e.opts.Summarizer.Summarize(ctx, n, llm.History{})
	if err != nil || s == "" {
		return nil
	}
	return map[string]string{"summary": s}
}

// breaker stops asking an LLM that keeps failing: after breakerFailures
// failures in a row, notifications go out with the fallback summary for
// breakerCooldown, then one request tries again. A dead endpoint then
// costs a storm a few timeouts, not one per incident.
type breaker struct {
	mu        sync.Mutex
	failures  int
	openUntil time.Time
}

const (
	breakerFailures = 3
	breakerCooldown = time.Minute
)

func (b *breaker) allow(now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return !now.Before(b.openUntil)
}

func (b *breaker) record(ok bool, now time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if ok {
		b.failures = 0
		return
	}
	b.failures++
	if b.failures >= breakerFailures {
		b.openUntil = now.Add(breakerCooldown)
		b.failures = breakerFailures - 1 // one more failure after the cool-down reopens it
	}
}
