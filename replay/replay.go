package replay

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"text/tabwriter"
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

// NewGate builds a Gate for cfg that reads the clock from now and hands
// every notification to sink instead of delivering it (router.NewReplay
// in alertgate).
type NewGate func(cfg *config.Config, now func() time.Time, sink notify.Notifier) (Gate, error)

// Options tune a replay.
type Options struct {
	// Step is how often simulated time lets the flusher and workers run
	// between records; default 10 s.
	Step time.Duration
	// Tail is how long simulated time runs on after the last record, so
	// pending groups and escalations fire; default 1 h.
	Tail time.Duration
}

// Sent is one notification a replay produced.
type Sent struct {
	At       time.Time      `json:"at"`
	Target   string         `json:"target"`
	Kind     notify.Kind    `json:"kind"`
	Incident string         `json:"incident"`
	Severity alert.Severity `json:"severity"`
	Title    string         `json:"title"`
}

// Result is what a trace did under a configuration.
type Result struct {
	Records  int    `json:"records"`
	Rejected int    `json:"rejected"`
	Alerts   int    `json:"alerts"`
	Sent     []Sent `json:"sent"`
}

// Pages counts the PagerDuty triggers: the notifications that wake
// someone up.
func (r *Result) Pages() int {
	n := 0
	for _, s := range r.Sent {
		if s.Kind == notify.KindTrigger && len(s.Target) > 10 && s.Target[:10] == "pagerduty:" {
			n++
		}
	}
	return n
}

// Run plays records through cfg with a simulated clock, delivering to
// recording notifiers instead of PagerDuty and Slack.
func Run(ctx context.Context, newGate NewGate, cfg *config.Config, records []Record, opts Options) (*Result, error) {
	if opts.Step <= 0 {
		opts.Step = 10 * time.Second
	}
	if opts.Tail <= 0 {
		opts.Tail = time.Hour
	}
	if len(records) == 0 {
		return &Result{}, nil
	}
	slices.SortStableFunc(records, func(a, b Record) int { return a.At.Compare(b.At) })
	c := *cfg
	// Recorded SNS messages cannot be verified offline, and replay must
	// never confirm a subscription.
	c.Sources.CloudWatch.SkipSignatureVerification, c.Sources.CloudWatch.AutoConfirm = true, false
	p := &player{clock: records[0].At, res: &Result{Records: len(records)}, cfg: &c, step: opts.Step}
	gate, err := newGate(&c, p.now, p)
	if err != nil {
		return nil, err
	}
	p.gate = gate
	for _, r := range records {
		if err := p.advance(ctx, r.At); err != nil {
			return nil, err
		}
		p.post(r)
	}
	if err := p.advance(ctx, records[len(records)-1].At.Add(opts.Tail)); err != nil {
		return nil, err
	}
	return p.res, nil
}

// player drives a gate through a trace.
type player struct {
	gate Gate
	cfg  *config.Config
	step time.Duration

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

// Notify records a notification instead of sending it.
func (p *player) Notify(_ context.Context, n *notify.Notification) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.res.Sent = append(p.res.Sent, Sent{At: p.clock, Target: n.Target.String(), Kind: n.Kind, Incident: n.Incident, Severity: n.Severity, Title: n.Title})
	return nil
}

// advance moves simulated time to t in steps, running the flusher and
// the workers at each.
func (p *player) advance(ctx context.Context, t time.Time) error {
	for next := p.now().Add(p.step); next.Before(t); next = next.Add(p.step) {
		p.set(next)
		if err := p.tick(ctx); err != nil {
			return err
		}
	}
	p.set(t)
	return p.tick(ctx)
}

func (p *player) tick(ctx context.Context) error { return p.gate.Step(ctx) }

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
	if w.Code != http.StatusOK {
		p.res.Rejected++
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

// Write prints notifications per target and hour, then totals.
func (r *Result) Write(w io.Writer, loc *time.Location) error {
	perHour := map[string]map[string]int{}
	var hours []string
	for _, s := range r.Sent {
		h := s.At.In(loc).Truncate(time.Hour).Format("2006-01-02 15:00")
		if perHour[h] == nil {
			perHour[h] = map[string]int{}
			hours = append(hours, h)
		}
		perHour[h][s.Target]++
	}
	targets := map[string]int{}
	for _, s := range r.Sent {
		targets[s.Target]++
	}
	names := slices.SortedFunc(maps.Keys(targets), func(a, b string) int { return cmp.Compare(a, b) })
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprint(tw, "hour")
	for _, n := range names {
		fmt.Fprintf(tw, "\t%s", n)
	}
	fmt.Fprintln(tw)
	slices.Sort(hours)
	for _, h := range hours {
		fmt.Fprint(tw, h)
		for _, n := range names {
			fmt.Fprintf(tw, "\t%d", perHour[h][n])
		}
		fmt.Fprintln(tw)
	}
	fmt.Fprint(tw, "total")
	for _, n := range names {
		fmt.Fprintf(tw, "\t%d", targets[n])
	}
	fmt.Fprintln(tw)
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "\n%d webhooks (%d rejected), %d alerts in; %d notifications out, %d pages\n", r.Records, r.Rejected, r.Alerts, len(r.Sent), r.Pages())
	return err
}
