package notify_test

import (
	"context"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/config"
	"github.com/alertgate/alertgate/internal/logbuf"
	"github.com/alertgate/alertgate/router/notify"
	"github.com/alertgate/alertgate/router/notify/pagerduty"
	"github.com/alertgate/alertgate/router/notify/pagerduty/pdtest"
	"github.com/alertgate/alertgate/router/store"
	"github.com/alertgate/alertgate/router/store/memory"
)

const routingKey = "R0UT1NGKEY0123456789abcdefABCDEF"

var t0 = time.Date(2026, 1, 13, 3, 0, 0, 0, time.UTC)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// world is a worker over a memory outbox delivering to a fake PagerDuty,
// with a fallback receiver that logs.
type world struct {
	t         *testing.T
	clk       *clock
	pd        *pdtest.Server
	outbox    *memory.Store
	reg       *prometheus.Registry
	logs      *logbuf.Buffer
	w         *notify.Worker
	delivered []*notify.Notification
	fallbacks int
}

func newWorld(t *testing.T, change ...func(*notify.WorkerOptions)) *world {
	t.Helper()
	wd := &world{t: t, clk: &clock{t: t0}, pd: pdtest.New(t), outbox: memory.New(store.Options{ReclaimAfter: time.Hour}), reg: prometheus.NewRegistry(), logs: &logbuf.Buffer{}}
	log := slog.New(slog.NewJSONHandler(wd.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	pd := pagerduty.New(pagerduty.Config{
		URL:        wd.pd.URL(),
		PerKeyRate: 1000,
		Now:        wd.clk.Now,
		Logger:     log,
		RoutingKey: func(string) (config.Secret, bool) { return routingKey, true },
	})
	opts := notify.WorkerOptions{
		Consumer:   "test",
		MinBackoff: time.Second,
		MaxBackoff: time.Minute,
		MaxAge:     time.Hour,
		Sequencer:  wd.outbox,
		Now:        wd.clk.Now,
		Logger:     log,
		Registerer: wd.reg,
		Delivered: func(_ context.Context, n *notify.Notification, _ time.Time) {
			wd.delivered = append(wd.delivered, n)
		},
		Fallback: func(n *notify.Notification, cause error) [][]byte {
			wd.fallbacks++
			c := *n
			c.Target = notify.Target{Type: config.TargetLog, Receiver: "team"}
			c.FallbackFor = n.Target.Receiver
			b, _ := c.Encode()
			return [][]byte{b}
		},
	}
	for _, f := range change {
		f(&opts)
	}
	wd.w = notify.NewWorker(wd.outbox, map[config.TargetType]notify.Notifier{
		config.TargetPagerDuty: pd,
		config.TargetLog:       notify.Log{Logger: log},
	}, opts)
	return wd
}

// enqueue puts notifications of incident inc with the given sequence
// numbers in the outbox.
func (wd *world) enqueue(inc string, seqs ...int64) {
	wd.t.Helper()
	for _, seq := range seqs {
		a := alert.Alert{Source: alert.SourceAlertmanager, Name: "HighErrorRate", Status: alert.StatusFiring, Severity: alert.SeverityCritical,
			Labels: map[string]string{"alertname": "HighErrorRate"}, StartsAt: t0, Fingerprint: "fp1"}
		n := &notify.Notification{Incident: inc, IncidentID: inc + "-1", Seq: seq, Kind: notify.KindTrigger, Target: notify.Target{Type: config.TargetPagerDuty, Receiver: "oncall"},
			Status: alert.StatusFiring, Severity: alert.SeverityCritical, Title: "HighErrorRate", Members: []notify.Member{{Alert: a, Change: "new"}}, CreatedAt: wd.clk.Now()}
		b, err := n.Encode()
		if err != nil {
			wd.t.Fatal(err)
		}
		if err := wd.outbox.Enqueue(wd.t.Context(), wd.clk.Now(), b); err != nil {
			wd.t.Fatal(err)
		}
	}
}

// run claims and delivers one batch at the clock's time.
func (wd *world) run() int {
	wd.t.Helper()
	n, err := wd.w.RunOnce(wd.t.Context(), 0)
	if err != nil {
		wd.t.Fatal(err)
	}
	return n
}

// result reads alertgate_notifications_total for the oncall PagerDuty
// target and result.
func (wd *world) result(result string) float64 {
	wd.t.Helper()
	mfs, err := wd.reg.Gather()
	if err != nil {
		wd.t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "alertgate_notifications_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, lp := range m.GetLabel() {
				labels[lp.GetName()] = lp.GetValue()
			}
			if labels["receiver"] == "oncall" && labels["target"] == "pagerduty" && labels["result"] == result {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}

func TestWorker_TransientFailuresBackOffExponentially(t *testing.T) {
	wd := newWorld(t)
	wd.enqueue("inc", 1)
	wd.pd.FailNext(3, 500, "")
	// Attempt n waits between half and all of MinBackoff << n.
	for attempt, max := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second} {
		if got := wd.run(); got != 1 {
			t.Fatalf("attempt %d claimed %d entries", attempt+1, got)
		}
		wd.clk.advance(max/2 - time.Millisecond)
		if got := wd.run(); got != 0 {
			t.Fatalf("after attempt %d the entry came back before half its backoff of %s", attempt+1, max)
		}
		wd.clk.advance(max/2 + time.Millisecond)
	}
	if got := wd.run(); got != 1 || len(wd.pd.Events()) != 1 || wd.pd.Requests() != 4 {
		t.Fatalf("fourth attempt: claimed %d, %d events, %d requests; want it delivered after three 500s", got, len(wd.pd.Events()), wd.pd.Requests())
	}
	if wd.result("retried") != 3 || wd.result("sent") != 1 || len(wd.delivered) != 1 {
		t.Errorf("retried %v, sent %v, delivered %d; want 3, 1, 1", wd.result("retried"), wd.result("sent"), len(wd.delivered))
	}
}

// TestWorker_BackoffNeverExceedsMaxBackoff: however long a provider
// fails, a notification is tried again at least every MaxBackoff, so it
// goes out at most that long after the provider recovers.
func TestWorker_BackoffNeverExceedsMaxBackoff(t *testing.T) {
	wd := newWorld(t)
	wd.enqueue("inc", 1)
	const failures = 10            // MinBackoff << 10 is far beyond MaxBackoff
	const maxBackoff = time.Minute // newWorld's
	wd.pd.FailNext(failures, 500, "")
	for attempt := 1; attempt <= failures; attempt++ {
		if got := wd.run(); got != 1 {
			t.Fatalf("attempt %d claimed %d entries, want the entry back within MaxBackoff (%s)", attempt, got, maxBackoff)
		}
		wd.clk.advance(maxBackoff + time.Millisecond)
	}
	if got := wd.run(); got != 1 || len(wd.pd.Events()) != 1 {
		t.Fatalf("after %d failures: claimed %d, %d events; want it delivered once the provider answers", failures, got, len(wd.pd.Events()))
	}
}

func TestWorker_RetryAfterIsHonouredAsIs(t *testing.T) {
	wd := newWorld(t)
	wd.enqueue("inc", 1)
	wd.pd.FailNext(1, 429, "30")
	wd.run()
	wd.clk.advance(29 * time.Second)
	if got := wd.run(); got != 0 {
		t.Fatal("retried before PagerDuty's Retry-After")
	}
	wd.clk.advance(time.Second)
	if got := wd.run(); got != 1 || len(wd.pd.Events()) != 1 {
		t.Fatalf("at Retry-After: claimed %d, events %d", got, len(wd.pd.Events()))
	}
}

func TestWorker_PacedIsNotAFailure(t *testing.T) {
	wd := newWorld(t)
	wd.enqueue("inc", 1)
	wd.pd.FailNext(1, 429, "30")
	wd.run() // PagerDuty's 429 holds the key
	wd.clk.advance(10 * time.Second)
	wd.enqueue("other", 1)
	wd.run() // the key is held: paced, without a request
	if wd.result("paced") != 1 || wd.result("retried") != 1 || wd.pd.Requests() != 1 {
		t.Errorf("paced %v, retried %v, requests %d; want the held notification paced, not failed", wd.result("paced"), wd.result("retried"), wd.pd.Requests())
	}
	if n := strings.Count(wd.logs.String(), "delivery failed, will retry"); n != 1 {
		t.Errorf("%d failed deliveries logged, want only the 429: a paced notification is not a failure", n)
	}
}

func TestWorker_PermanentFailureIsDeadLetteredAndReplacedByTheFallback(t *testing.T) {
	wd := newWorld(t)
	wd.enqueue("inc", 1)
	wd.pd.FailNext(1, 400, "")
	wd.run()
	dl, err := wd.outbox.DeadLetters(t.Context(), 10)
	if err != nil || len(dl) != 1 || !strings.Contains(dl[0].Reason, "permanent") {
		t.Fatalf("dead letters = %+v, %v; want the 400", dl, err)
	}
	if wd.result("dead") != 1 || wd.fallbacks != 1 {
		t.Errorf("dead %v, fallbacks %d", wd.result("dead"), wd.fallbacks)
	}
	wd.run() // the fallback, to the log target
	if len(wd.delivered) != 1 || wd.delivered[0].FallbackFor != "oncall" || !strings.Contains(wd.logs.String(), `"msg":"notification"`) {
		t.Errorf("delivered %+v; want the fallback delivered to the log receiver", wd.delivered)
	}
}

func TestWorker_TooOldIsDeadLettered(t *testing.T) {
	wd := newWorld(t)
	wd.enqueue("inc", 1)
	wd.pd.FailNext(100, 503, "")
	for range 70 {
		wd.run()
		wd.clk.advance(time.Minute)
	}
	if dl, _ := wd.outbox.DeadLetters(t.Context(), 10); len(dl) != 1 {
		t.Errorf("after an hour of 503s: %d dead letters, want the notification given up", len(dl))
	}
}

func TestWorker_AnOlderNotificationAfterANewerOneIsSkipped(t *testing.T) {
	wd := newWorld(t)
	wd.enqueue("inc", 2, 1)
	wd.run()
	if ev := wd.pd.Events(); len(ev) != 1 || wd.result("stale") != 1 {
		t.Errorf("events %d, stale %v; want seq 2 sent and seq 1 skipped", len(ev), wd.result("stale"))
	}
	if depth, _ := wd.outbox.OutboxDepth(t.Context()); depth != 0 {
		t.Errorf("outbox depth %d, want the stale entry acknowledged", depth)
	}
}

func TestWorker_ShutdownReleasesWhatItHasNotStarted(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	wd := newWorld(t, func(o *notify.WorkerOptions) {
		delivered := o.Delivered
		o.Delivered = func(ctx context.Context, n *notify.Notification, at time.Time) {
			delivered(ctx, n, at)
			cancel() // SIGTERM arrives during the first delivery
		}
	})
	wd.enqueue("a", 1)
	wd.enqueue("b", 1)
	wd.enqueue("c", 1)
	if got, err := wd.w.RunOnce(ctx, 0); got != 3 || err != nil {
		t.Fatalf("claimed %d, %v", got, err)
	}
	if len(wd.pd.Events()) != 1 {
		t.Fatalf("%d events sent after shutdown began, want only the one in progress", len(wd.pd.Events()))
	}
	if got := wd.run(); got != 2 {
		t.Errorf("the outbox gives back %d entries at once, want the 2 released", got)
	}
	if len(wd.pd.Events()) != 3 {
		t.Errorf("%d events in the end, want every notification delivered once", len(wd.pd.Events()))
	}
}

// A worker delivering a batch slowly must not deliver entries another
// worker has meanwhile taken over (the outbox lets one do so after
// ReclaimAfter): the SIGTERM fault test paged one alert twice that way,
// under load, with PagerDuty answering in 100 ms and a batch of 16. It
// hands back what it has not started by half of ReclaimAfter.
func TestWorker_SlowBatchHandsBackWhatAnotherWorkerCouldReclaim(t *testing.T) {
	const reclaim = time.Minute
	clk := &clock{t: t0}
	outbox := memory.New(store.Options{ReclaimAfter: reclaim})
	var mu sync.Mutex
	sent := map[string]int{}
	deliver := func(n *notify.Notification) {
		mu.Lock()
		sent[n.Incident]++
		mu.Unlock()
		clk.advance(reclaim * 6 / 10) // a provider answering slowly
	}
	opts := notify.WorkerOptions{Consumer: "replica-b", Batch: 4, ReclaimAfter: reclaim, Now: clk.Now}
	other := notify.NewWorker(outbox, map[config.TargetType]notify.Notifier{config.TargetLog: notifierFunc(func(_ context.Context, n *notify.Notification) error {
		deliver(n)
		return nil
	})}, opts)
	opts.Consumer = "replica-a"
	first := notify.NewWorker(outbox, map[config.TargetType]notify.Notifier{config.TargetLog: notifierFunc(func(_ context.Context, n *notify.Notification) error {
		deliver(n)
		if n.Incident == "inc-1" {
			// While the first worker is busy, the other looks for work.
			if _, err := other.RunOnce(t.Context(), 0); err != nil {
				t.Error(err)
			}
		}
		return nil
	})}, opts)
	for i := range 4 {
		n := &notify.Notification{Incident: "inc-" + strconv.Itoa(i), Kind: notify.KindTrigger, Target: notify.Target{Type: config.TargetLog, Receiver: "team"}, CreatedAt: clk.Now()}
		b, err := n.Encode()
		if err != nil {
			t.Fatal(err)
		}
		if err := outbox.Enqueue(t.Context(), clk.Now(), b); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := first.RunOnce(t.Context(), 0); err != nil {
		t.Fatal(err)
	}
	for range 4 { // whatever was handed back
		if _, err := other.RunOnce(t.Context(), 0); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 4 {
		if c := sent["inc-"+strconv.Itoa(i)]; c != 1 {
			t.Errorf("inc-%d delivered %d times, want once", i, c)
		}
	}
}

// notifierFunc adapts a function to notify.Notifier.
type notifierFunc func(ctx context.Context, n *notify.Notification) error

func (f notifierFunc) Notify(ctx context.Context, n *notify.Notification) error { return f(ctx, n) }
