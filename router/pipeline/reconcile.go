package pipeline

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/incident"
)

// Alerts delivered while the store was unreachable (failOpen) went out
// without the store hearing of them. Once it answers again, each replica
// tells it what it delivered, in the order it was accepted, so that what
// comes next is decided knowing it: a resolve of an alert paged during
// the outage must resolve the page, not be dropped as the resolve of an
// alert nobody was told about. The store may then notify some of them
// again (PagerDuty folds a second trigger into the incident by
// dedup_key); losing a resolve is worse. If the alert was resolved
// meanwhile (a resolve reached the store first, on this replica or
// another), the firing comes back stale, and the page it made is
// resolved here.

// reconcileEvery is how often a replica with alerts delivered without
// the store tries to tell the store about them.
const reconcileEvery = time.Second

// watchDegraded reconciles every reconcileEvery until ctx ends.
func (e *Engine) watchDegraded(ctx context.Context) {
	t := time.NewTicker(reconcileEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			e.reconcile(ctx)
		}
	}
}

// reconcile observes the alerts delivered without the store, batch by
// batch; a batch the store still cannot take is kept for the next try.
func (e *Engine) reconcile(ctx context.Context) {
	e.reconciling.Lock()
	defer e.reconciling.Unlock()
	batches := e.degraded.take()
	if n := e.degraded.forget(); n > 0 {
		e.log.Error("more alerts were delivered while the state store was unreachable than can be reconciled; the oldest were not, and their resolves may not reach their pages", "alerts", n)
	}
	for i, b := range batches {
		if err := e.reconcileBatch(ctx, b); err != nil {
			e.degraded.putBack(batches[i:])
			return
		}
	}
	if len(batches) > 0 {
		e.log.Info("told the state store about the alerts delivered while it was unreachable", "batches", len(batches))
	}
}

func (e *Engine) reconcileBatch(ctx context.Context, b journalBatch) error {
	now := e.opts.Now()
	rs := e.setup.Load().rules
	// As failOpen delivered them: by their routes' groups, uncorrelated.
	matches, _ := e.route(rs, b.source, b.alerts)
	obs := observations(rs, b.alerts, matches, nil)
	verdicts, err := e.opts.Store.Observe(ctx, now, obs)
	if err != nil {
		return err
	}
	set := e.setup.Load()
	kick := false
	for i, v := range verdicts {
		a := obs[i].Alert
		e.recordDecision(ctx, b.source, &a, v)
		kick = kick || v.Reason != incident.ReasonStale
		if v.Reason != incident.ReasonStale || !a.Firing() {
			continue
		}
		// Resolved while the store was away: resolve its page too.
		a.Status, a.EndsAt = alert.StatusResolved, now
		if err := e.deliverLocally(ctx, now, set, a, obs[i].Groups); err != nil {
			e.log.Error("resolving a page made while the store was unreachable failed", "fingerprint", a.Fingerprint, "err", err)
		}
	}
	if kick {
		e.flusher.kickNow()
	}
	return nil
}

// deliverLocally notifies a's groups of a on their own, one notification
// per group, through the replica-local outbox: the store has no part in
// it.
func (e *Engine) deliverLocally(ctx context.Context, now time.Time, set *setup, a alert.Alert, groups []incident.GroupRef) error {
	for _, ref := range groups {
		fl := degradedFlush(a, ref)
		entries, _, err := e.flusher.prepare(ctx, set, now, &fl, false)
		if err == nil {
			err = e.local.Enqueue(ctx, now, entries...)
		}
		if err != nil {
			return fmt.Errorf("fail-open delivery of %s: %w", a.Fingerprint, err)
		}
	}
	return nil
}

// pending are the batches of alerts delivered without the store, oldest
// first, waiting to be reconciled. They are bounded like the journal; an
// outage long enough to exceed that loses the oldest (logged).
type pending struct {
	mu      sync.Mutex
	batches []journalBatch
	alerts  int
	dropped int
}

func (p *pending) add(at time.Time, src alert.Source, alerts []alert.Alert) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.batches = append(p.batches, journalBatch{at: at, source: src, alerts: alerts})
	p.alerts += len(alerts)
	for p.alerts > journalMaxAlerts && len(p.batches) > 1 {
		p.alerts -= len(p.batches[0].alerts)
		p.dropped += len(p.batches[0].alerts)
		p.batches = p.batches[1:]
	}
}

// forget returns how many alerts were dropped to stay bounded since the
// last call.
func (p *pending) forget() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := p.dropped
	p.dropped = 0
	return n
}

// take returns every pending batch and forgets them.
func (p *pending) take() []journalBatch {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := p.batches
	p.batches, p.alerts = nil, 0
	return out
}

// putBack returns batches not reconciled yet, ahead of any added since.
func (p *pending) putBack(batches []journalBatch) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, b := range batches {
		p.alerts += len(b.alerts)
	}
	p.batches = append(slices.Clone(batches), p.batches...)
}
