package pipeline

import (
	"bufio"
	"context"
	"encoding/json"
	"log/slog"
	"maps"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/config"
	"github.com/alertgate/alertgate/internal/logbuf"
	"github.com/alertgate/alertgate/router/notify"
	"github.com/alertgate/alertgate/router/notify/receiver"
	"github.com/alertgate/alertgate/router/store"
	"github.com/alertgate/alertgate/router/store/memory"
	"github.com/alertgate/alertgate/router/store/redis"
	"github.com/alertgate/alertgate/router/store/redis/redistest"
)

// testSources are the sources and delivery of the test configurations:
// Alertmanager and New Relic with tokens, and a dry run.
const testSources = `
sources:
  alertmanager: {token: am-token}
  newrelic: {token: nr-token}
  cloudwatch: {disabled: true}
notify: {dry_run: true}
`

// testConfig routes everything to a Slack receiver and critical alerts
// to PagerDuty too; delivery is a dry run, so notifications are log lines.
const testConfig = `
sources:
  alertmanager: {token: am-token}
  newrelic: {token: nr-token}
  cloudwatch: {disabled: true}
notify: {dry_run: true}
receivers:
  - name: team
    slack: {channel: "#team"}
  - name: oncall
    pagerduty: {routing_key: ""}
    slack: {channel: "#oncall"}
route:
  receiver: team
  group_by: [alertname]
  group_wait: 0s
  group_interval: 5m
  routes:
    - matchers: ['severity="critical"']
      receiver: oncall
`

// harness is an engine on a store with a clock the test sets, its logs
// captured: the pipeline without HTTP.
type harness struct {
	t    testing.TB
	e    *Engine
	reg  *prometheus.Registry
	logs *logbuf.Buffer

	mu    sync.Mutex
	clock time.Time
	calls []call
}

func newHarness(t testing.TB, cfgYAML string, st store.Store) *harness {
	t.Helper()
	return newHarnessWith(t, cfgYAML, st, nil)
}

// call is one notification a rehearsing harness delivered, with the
// provider calls it made.
type call struct {
	n       *notify.Notification
	effects []notify.Effect
}

// newRehearsal is a harness whose notifiers rehearse (receiver.Rehearse):
// h.calls lists what each notification did at its target.
func newRehearsal(t testing.TB, cfgYAML string, st store.Store) *harness {
	t.Helper()
	var h *harness
	h = newHarnessWith(t, cfgYAML, st, func(cfg *config.Config) map[config.TargetType]notify.Notifier {
		return receiver.Rehearse(cfg, func(_ context.Context, n *notify.Notification, effects []notify.Effect) {
			h.mu.Lock()
			defer h.mu.Unlock()
			h.calls = append(h.calls, call{n, effects})
		})
	})
	return h
}

// sounds returns the calls that made a sound, as "target effect kind".
func (h *harness) sounds() []string { return h.callsWhere(notify.Effect.Sounds) }

// effects returns every call, as "target effect kind".
func (h *harness) effects() []string {
	return h.callsWhere(func(notify.Effect) bool { return true })
}

func (h *harness) callsWhere(keep func(notify.Effect) bool) []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for _, c := range h.calls {
		for _, e := range c.effects {
			if keep(e) {
				out = append(out, c.n.Target.String()+" "+string(e)+" "+string(c.n.Kind))
			}
		}
	}
	return out
}

// delivered returns the notifications delivered so far.
func (h *harness) delivered() []*notify.Notification {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []*notify.Notification
	for _, c := range h.calls {
		out = append(out, c.n)
	}
	return out
}

func newHarnessWith(t testing.TB, cfgYAML string, st store.Store, notifiers func(*config.Config) map[config.TargetType]notify.Notifier) *harness {
	t.Helper()
	cfg, err := config.Parse([]byte(cfgYAML), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	if st == nil {
		st = memory.New(store.Options{})
	}
	h := &harness{t: t, reg: prometheus.NewRegistry(), logs: &logbuf.Buffer{}, clock: time.Date(2026, 3, 4, 5, 0, 0, 0, time.UTC)}
	h.e, err = New(cfg, Options{
		Store:      st,
		Registerer: h.reg,
		Logger:     slog.New(slog.NewJSONHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Now:        h.now,
		Notifiers:  notifiers,
	})
	if err != nil {
		t.Fatalf("engine: %v", err)
	}
	return h
}

func (h *harness) now() time.Time {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.clock
}

func (h *harness) advance(d time.Duration) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.clock = h.clock.Add(d)
}

// alert returns an Alertmanager alert with labels, started (or ended)
// at the harness's time.
func (h *harness) alert(status alert.Status, labels map[string]string) alert.Alert {
	labels = maps.Clone(labels)
	a := alert.Alert{Source: alert.SourceAlertmanager, Name: labels[alert.LabelAlertName], Status: status, Labels: labels, StartsAt: h.now(),
		Fingerprint: alert.NewFingerprint(alert.SourceAlertmanager, alert.LabelsIdentity(labels))}
	a.Severity, _ = alert.ParseSeverity(labels[alert.LabelSeverity])
	a.Normalize()
	if status == alert.StatusResolved {
		a.EndsAt = h.now()
	}
	return a
}

// ingest ingests alerts as one request would.
func (h *harness) ingest(alerts ...alert.Alert) Result {
	h.t.Helper()
	res, err := h.e.Ingest(h.t.Context(), alert.SourceAlertmanager, alerts)
	if err != nil {
		h.t.Fatalf("ingest: %v", err)
	}
	return res
}

// step flushes what is due and delivers what is ready. Store errors are
// expected while a test has stopped Redis; the real loops log them and
// go on, and so does this.
func (h *harness) step() {
	if err := h.e.Step(h.t.Context()); err != nil {
		h.t.Logf("step: %v", err)
	}
}

// notifications returns the dry-run notification log records.
func (h *harness) notifications() []map[string]any {
	var out []map[string]any
	sc := bufio.NewScanner(strings.NewReader(h.logs.String()))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var rec map[string]any
		if json.Unmarshal(sc.Bytes(), &rec) == nil && rec["msg"] == "notification" {
			out = append(out, rec)
		}
	}
	return out
}

func (h *harness) counter(name string) float64 {
	h.t.Helper()
	mfs, err := h.reg.Gather()
	if err != nil {
		h.t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name && len(mf.GetMetric()) == 1 {
			return mf.GetMetric()[0].GetCounter().GetValue()
		}
	}
	return 0
}

func redisStore(t *testing.T, srv *redistest.Server, prefix string) *redis.Store {
	t.Helper()
	client, err := redis.NewClient(redis.Config{Address: srv.Addr(), DialTimeout: 200 * time.Millisecond, ReadTimeout: 500 * time.Millisecond, WriteTimeout: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	s := redis.New(client, prefix, store.Options{})
	t.Cleanup(func() { s.Close() })
	return s
}
