package pipeline

import (
	"context"
	"sync"
	"time"

	"github.com/alertgate/alertgate/alert"
)

// journal keeps the alerts this replica accepted recently, so that they
// can be ingested again when the store loses its state before their
// notifications left: an accepted alert must reach a notifier even then.
// Re-ingesting may notify twice; that is the price, never a lost page.
type journal struct {
	mu      sync.Mutex
	batches []journalBatch // oldest first
	alerts  int
}

type journalBatch struct {
	at     time.Time
	source alert.Source
	alerts []alert.Alert
}

// How much the journal keeps: long enough to cover group_wait, delivery
// and the time to notice a lost store, bounded in memory.
const (
	journalWindow    = 10 * time.Minute
	journalMaxAlerts = 50000
)

func (j *journal) add(at time.Time, src alert.Source, alerts []alert.Alert) {
	if len(alerts) == 0 {
		return
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	j.batches = append(j.batches, journalBatch{at: at, source: src, alerts: alerts})
	j.alerts += len(alerts)
	for len(j.batches) > 0 && (j.alerts > journalMaxAlerts || at.Sub(j.batches[0].at) > journalWindow) {
		j.alerts -= len(j.batches[0].alerts)
		j.batches[0] = journalBatch{}
		j.batches = j.batches[1:]
	}
}

// recent returns the batches accepted since t.
func (j *journal) recent(t time.Time) []journalBatch {
	j.mu.Lock()
	defer j.mu.Unlock()
	var out []journalBatch
	for _, b := range j.batches {
		if !b.at.Before(t) {
			out = append(out, b)
		}
	}
	return out
}

// epochWatch notices a store that lost its state and ingests again what
// this replica accepted within the journal's window.
type epochWatch struct {
	last string
}

// check compares the store's epoch with the last one seen and, if it
// changed, re-ingests the journal.
func (e *Engine) checkEpoch(ctx context.Context, w *epochWatch) {
	epoch, err := e.opts.Store.Epoch(ctx)
	if err != nil {
		return // unreachable: fail-open delivery covers this; check again later
	}
	if w.last == "" || epoch == w.last {
		w.last = epoch
		return
	}
	w.last = epoch
	now := e.opts.Now()
	batches := e.journal.recent(now.Add(-journalWindow))
	n := 0
	for _, b := range batches {
		n += len(b.alerts)
	}
	e.metrics.stateLost.Inc()
	e.log.Error("the state store lost its state (a restart without persistence or a failover); ingesting again the alerts accepted here recently, some may notify twice",
		"alerts", n, "window", journalWindow)
	for _, b := range batches {
		if _, err := e.ingest(ctx, b.source, b.alerts); err != nil {
			e.log.Error("re-ingesting after the store lost its state failed", "source", b.source, "alerts", len(b.alerts), "err", err)
		}
	}
}

// watchEpoch checks the store's epoch every interval until ctx ends.
func (e *Engine) watchEpoch(ctx context.Context, interval time.Duration) {
	var w epochWatch
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		e.checkEpoch(ctx, &w)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
