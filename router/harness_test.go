package router

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/alertgate/alertgate/config"
	"github.com/alertgate/alertgate/enrich"
	"github.com/alertgate/alertgate/internal/logbuf"
	"github.com/alertgate/alertgate/router/pipeline"
	"github.com/alertgate/alertgate/router/source/cloudwatch/snstest"
	"github.com/alertgate/alertgate/router/store"
	"github.com/alertgate/alertgate/router/store/memory"
)

// testConfig is a complete configuration for router tests: tokens for the
// bearer-authenticated sources, one SNS topic, dry-run delivery.
const testConfig = `
sources:
  alertmanager: {token: am-token}
  newrelic: {token: nr-token}
  cloudwatch:
    topic_arns: ["arn:aws:sns:ap-northeast-1:123456789012:alarms"]
    auto_confirm: true
notify: {dry_run: true}
business_hours: {location: Asia/Tokyo, holidays: jp}
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

// harness is a router over a memory store with a fake clock, serving on
// an httptest server, with its logs captured.
type harness struct {
	t     testing.TB
	rt    *Router
	srv   *httptest.Server
	reg   *prometheus.Registry
	logs  *logbuf.Buffer
	mu    sync.Mutex
	clock time.Time
	// nextConfig is what POST /-/reload loads.
	nextConfig string
}

func newHarness(t testing.TB, cfgYAML string, sns *snstest.Signer) *harness {
	return newReplica(t, cfgYAML, sns, memory.New(store.Options{}), &logbuf.Buffer{})
}

// newReplica is a harness on a given store and log: several replicas on
// one store behave as one alertgate.
// sns, if set, stands in for AWS: SNS certificates are fetched from it
// and chain to its CA.
func newReplica(t testing.TB, cfgYAML string, sns *snstest.Signer, st store.Store, logs *logbuf.Buffer) *harness {
	t.Helper()
	cfg, err := config.Parse([]byte(cfgYAML), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	h := &harness{t: t, reg: prometheus.NewRegistry(), logs: logs, clock: time.Date(2026, 3, 4, 5, 0, 0, 0, time.UTC)}
	log := slog.New(slog.NewJSONHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	enricher := enrich.New(enrich.Options{})
	engine, err := pipeline.New(cfg, pipeline.Options{
		Store:      st,
		Enricher:   enricher,
		Muters:     []pipeline.Muter{enricher},
		Impacter:   enricher,
		Registerer: h.reg,
		Logger:     log,
		Now:        h.now,
	})
	if err != nil {
		t.Fatalf("engine: %v", err)
	}
	opts := Options{
		Config:      cfg,
		Engine:      engine,
		Store:       st,
		Registry:    h.reg,
		Logger:      log,
		Now:         h.now,
		Reloadables: []Reloadable{enricher},
		Load: func(context.Context) (*config.Config, error) {
			return config.Parse([]byte(h.nextConfig), func(string) (string, bool) { return "", false })
		},
	}
	if sns != nil {
		opts.HTTPClient, opts.Roots = sns.Client(), sns.Roots()
	}
	h.rt, err = New(opts)
	if err != nil {
		t.Fatalf("router: %v", err)
	}
	h.rt.SetReady(true)
	h.srv = httptest.NewServer(h.rt.Handler())
	t.Cleanup(h.srv.Close)
	return h
}

func (h *harness) now() time.Time {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.clock
}

func (h *harness) set(t time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.clock = t
}

func (h *harness) advance(d time.Duration) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.clock = h.clock.Add(d)
}

// post sends body to path with an optional bearer token and returns the
// status and decoded JSON body.
func (h *harness) post(path, token string, body []byte, header ...string) (int, map[string]any) {
	h.t.Helper()
	req, err := http.NewRequest(http.MethodPost, h.srv.URL+path, bytes.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		h.t.Fatalf("%s answered %d with non-JSON body %q", path, resp.StatusCode, b)
	}
	return resp.StatusCode, out
}

// deliver runs the flusher and the outbox worker until the outbox is
// empty.
func (h *harness) deliver() {
	h.t.Helper()
	// Store errors are expected while a test has stopped Redis; the real
	// loops log them and go on, and so does this.
	if err := h.rt.Step(h.t.Context()); err != nil {
		h.t.Logf("step: %v", err)
	}
}

// logLines returns the captured log records with the given message.
func (h *harness) logLines(msg string) []map[string]any {
	var out []map[string]any
	sc := bufio.NewScanner(strings.NewReader(h.logs.String()))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var rec map[string]any
		if json.Unmarshal(sc.Bytes(), &rec) == nil && rec["msg"] == msg {
			out = append(out, rec)
		}
	}
	return out
}

func (h *harness) counter(name string, labels ...string) float64 {
	h.t.Helper()
	mfs, err := h.reg.Gather()
	if err != nil {
		h.t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	next:
		for _, m := range mf.GetMetric() {
			for i := 0; i+1 < len(labels); i += 2 {
				found := false
				for _, lp := range m.GetLabel() {
					if lp.GetName() == labels[i] && lp.GetValue() == labels[i+1] {
						found = true
					}
				}
				if !found {
					continue next
				}
			}
			return m.GetCounter().GetValue()
		}
	}
	return 0
}
