package pipeline

import (
	"context"
	"encoding/binary"
	"sync"
	"time"

	"github.com/alertgate/alertgate/alert"
)

// journal keeps the alerts this replica accepted recently, so that they
// can be ingested again when the store loses its state before their
// notifications left: an accepted alert must reach a notifier even then.
// Re-ingesting may notify twice; that is the price, never a lost page.
//
// It keeps them in their binary encoding (alert.AppendBinary), a byte
// slice per request: a storm fills it with tens of thousands of alerts,
// and as structs of maps they were most of the heap the garbage
// collector marked on every cycle, and twice its size. They are decoded
// only to be ingested again.
type journal struct {
	mu      sync.Mutex
	batches []encodedBatch // oldest first
	alerts  int
}

// journalBatch is what one request brought, as re-ingested.
type journalBatch struct {
	at     time.Time
	source alert.Source
	alerts []alert.Alert
}

// encodedBatch is a journalBatch as the journal keeps it: n alerts, each
// its length (uvarint) and its encoding.
type encodedBatch struct {
	at     time.Time
	source alert.Source
	n      int
	data   []byte
}

// How much the journal keeps: long enough to cover group_wait, delivery
// and the time to notice a lost store, bounded in memory.
const (
	journalWindow    = 10 * time.Minute
	journalMaxAlerts = 50000
)

// appendJournal appends a's encoding, without its raw payload, to b,
// as the journal keeps it. The first alert of a request sizes b for the
// remaining ones (a included), as alike as a webhook's alerts are: a
// hundred alerts grown into one slice were most of the cost.
func appendJournal(b []byte, a *alert.Alert, remaining int) []byte {
	c := *a
	c.Raw = nil // for debugging only; not worth its memory here
	var enc [1024]byte
	e, err := c.AppendBinary(enc[:0])
	if err != nil {
		return b // a time that cannot be encoded: not journaled
	}
	if b == nil {
		b = make([]byte, 0, remaining*(len(e)+len(e)/4+binary.MaxVarintLen32))
	}
	b = binary.AppendUvarint(b, uint64(len(e)))
	return append(b, e...)
}

// add keeps the n alerts encoded in data (appendJournal).
func (j *journal) add(at time.Time, src alert.Source, n int, data []byte) {
	if n == 0 {
		return
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	j.batches = append(j.batches, encodedBatch{at: at, source: src, n: n, data: data})
	j.alerts += n
	for len(j.batches) > 0 && (j.alerts > journalMaxAlerts || at.Sub(j.batches[0].at) > journalWindow) {
		j.alerts -= j.batches[0].n
		j.batches[0] = encodedBatch{}
		j.batches = j.batches[1:]
	}
}

// recent returns the batches accepted since t.
func (j *journal) recent(t time.Time) []journalBatch {
	j.mu.Lock()
	var kept []encodedBatch
	for _, b := range j.batches {
		if !b.at.Before(t) {
			kept = append(kept, b)
		}
	}
	j.mu.Unlock()
	out := make([]journalBatch, 0, len(kept))
	for _, b := range kept {
		jb := journalBatch{at: b.at, source: b.source, alerts: make([]alert.Alert, 0, b.n)}
		for data := b.data; len(data) > 0; {
			size, k := binary.Uvarint(data)
			if k <= 0 || size > uint64(len(data)-k) {
				break
			}
			var a alert.Alert
			if a.UnmarshalBinary(data[k:k+int(size)]) == nil {
				jb.alerts = append(jb.alerts, a)
			}
			data = data[k+int(size):]
		}
		out = append(out, jb)
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
