package replay

import (
	"bytes"
	"container/heap"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/config"
	"github.com/alertgate/alertgate/router/notify"
)

// Gate is the alertgate a trace is played through: its webhook endpoints
// and a step of its background work (flush due groups, deliver).
type Gate interface {
	http.Handler
	Step(ctx context.Context) error
}

// NewGate builds a Gate for cfg that reads the clock from now and, instead
// of delivering, tells sink each notification and the provider calls it
// would make (router.NewReplay in alertgate).
type NewGate func(cfg *config.Config, now func() time.Time, sink notify.CallSink) (Gate, error)

// Options tune a replay.
type Options struct {
	// Step is how often simulated time lets the flusher and workers run
	// between records; default 10 s.
	Step time.Duration
	// Tail is how long simulated time runs on after the last record, so
	// pending groups and escalations fire; default 1 h.
	Tail time.Duration
	// Reorder is how many records are held back to put a trace that is
	// slightly out of order (two replicas recording side by side) back in
	// order; default 1000. A record that comes later still is played at
	// the simulated time it finds, and counted as late.
	Reorder int
	// Location is where hours are counted; default the configuration's
	// business-hours time zone.
	Location *time.Location
	// OnCall, if set, is given every call as it is made, with the
	// notification that made it.
	OnCall func(c Call, n *notify.Notification)
}

// Run plays a trace through cfg with a simulated clock, delivering to
// rehearsing notifiers instead of PagerDuty and Slack. It reads the
// trace as it goes and keeps only aggregates, so its memory does not grow
// with the trace's length.
func Run(ctx context.Context, newGate NewGate, cfg *config.Config, src Source, opts Options) (*Result, error) {
	if opts.Step <= 0 {
		opts.Step = 10 * time.Second
	}
	if opts.Tail <= 0 {
		opts.Tail = time.Hour
	}
	if opts.Reorder <= 0 {
		opts.Reorder = 1000
	}
	if opts.Location == nil {
		opts.Location = location(cfg)
	}
	c := *cfg
	// Recorded SNS messages cannot be verified offline, and replay must
	// never confirm a subscription.
	c.Sources.CloudWatch.SkipSignatureVerification, c.Sources.CloudWatch.AutoConfirm = true, false
	p := &player{cfg: &c, step: opts.Step, res: newResult(opts.Location), onCall: opts.OnCall}
	in := &reorder{src: src, max: opts.Reorder}
	first, err := in.next()
	if errors.Is(err, io.EOF) {
		return p.res, nil
	}
	if err != nil {
		return nil, err
	}
	p.clock = first.At
	if p.gate, err = newGate(&c, p.now, p.calls); err != nil {
		return nil, err
	}
	last := first.At
	for r, err := first, error(nil); ; r, err = in.next() {
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		if r.At.Before(p.now()) {
			p.res.Late++
		} else if err := p.advance(ctx, r.At); err != nil {
			return nil, err
		}
		last = p.now()
		p.post(r)
	}
	if err := p.advance(ctx, last.Add(opts.Tail)); err != nil {
		return nil, err
	}
	return p.res, nil
}

// location is the configuration's business-hours time zone, where people
// read hours; UTC if it cannot be loaded.
func location(cfg *config.Config) *time.Location {
	if loc, err := time.LoadLocation(cfg.BusinessHours.Location); err == nil && cfg.BusinessHours.Location != "" {
		return loc
	}
	return time.UTC
}

// player drives a gate through a trace.
type player struct {
	gate   Gate
	cfg    *config.Config
	step   time.Duration
	onCall func(Call, *notify.Notification)

	mu    sync.Mutex
	clock time.Time
	res   *Result
}

func (p *player) now() time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.clock
}

func (p *player) set(t time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clock = t
}

// calls records the provider calls a notification would make.
func (p *player) calls(_ context.Context, n *notify.Notification, effects []notify.Effect) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, e := range effects {
		c := newCall(p.clock, n, e)
		p.res.add(&c, n)
		if p.onCall != nil {
			p.onCall(c, n)
		}
	}
}

// advance moves simulated time to t in steps, running the flusher and
// the workers at each.
func (p *player) advance(ctx context.Context, t time.Time) error {
	for next := p.now().Add(p.step); next.Before(t); next = next.Add(p.step) {
		p.set(next)
		if err := p.gate.Step(ctx); err != nil {
			return err
		}
	}
	p.set(t)
	return p.gate.Step(ctx)
}

// post sends a record to the router as its source would.
func (p *player) post(r Record) {
	req := httptest.NewRequest(http.MethodPost, "/api/v1/alerts/"+string(r.Source), bytes.NewReader(r.body()))
	for k, v := range r.Header {
		req.Header.Set(k, v)
	}
	if tok := p.token(r.Source); tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	w := httptest.NewRecorder()
	p.gate.ServeHTTP(w, req)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.res.Records++
	if w.Code/100 != 2 {
		p.res.refuse(p.clock, r.Source, w.Code, w.Body.Bytes())
		return
	}
	p.res.Alerts += countAccepted(w.Body.Bytes())
}

func (p *player) token(src alert.Source) string {
	switch src {
	case alert.SourceAlertmanager:
		return p.cfg.Sources.Alertmanager.Token.Reveal()
	case alert.SourceNewRelic:
		return p.cfg.Sources.NewRelic.Token.Reveal()
	}
	return ""
}

func countAccepted(body []byte) int {
	var r struct {
		Accepted int `json:"accepted"`
	}
	_ = json.Unmarshal(body, &r)
	return r.Accepted
}

// reorder yields a source's records in time order within a window of max
// records.
type reorder struct {
	src  Source
	max  int
	held recordHeap
	seq  int
	done bool
}

func (r *reorder) next() (Record, error) {
	for !r.done && len(r.held) < r.max {
		rec, err := r.src.Next()
		if errors.Is(err, io.EOF) {
			r.done = true
			break
		}
		if err != nil {
			return Record{}, err
		}
		r.seq++
		heap.Push(&r.held, held{rec, r.seq})
	}
	if len(r.held) == 0 {
		return Record{}, io.EOF
	}
	return heap.Pop(&r.held).(held).Record, nil
}

// held is a record waiting in the reorder window; seq keeps records of
// the same time in trace order.
type held struct {
	Record
	seq int
}

type recordHeap []held

func (h recordHeap) Len() int { return len(h) }
func (h recordHeap) Less(i, j int) bool {
	if c := h[i].At.Compare(h[j].At); c != 0 {
		return c < 0
	}
	return h[i].seq < h[j].seq
}
func (h recordHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *recordHeap) Push(x any)   { *h = append(*h, x.(held)) }
func (h *recordHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
