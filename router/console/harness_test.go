package console

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/config"
	"github.com/alertgate/alertgate/enrich"
	"github.com/alertgate/alertgate/incident"
	"github.com/alertgate/alertgate/internal/audit"
	"github.com/alertgate/alertgate/internal/logbuf"
	"github.com/alertgate/alertgate/router/internal/operator"
	"github.com/alertgate/alertgate/router/pipeline"
	"github.com/alertgate/alertgate/router/source/alertmanager"
	"github.com/alertgate/alertgate/router/store"
	"github.com/alertgate/alertgate/router/store/memory"
)

// testConfig turns the console on with an admin and a viewer token, routes
// critical alerts to a PagerDuty and Slack receiver and the rest to Slack,
// and delivers nothing (a dry run).
const testConfig = `
server:
  admin_token: adm-token
  external_url: https://alertgate.test.example
  console: {viewer_token: view-token}
sources:
  alertmanager: {token: am-token}
  newrelic: {disabled: true}
  cloudwatch: {disabled: true}
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

// harness is the console alone, on its mux behind an httptest server: the
// engine and people's actions on a store, a clock the test sets, and the
// logs (the audit log among them) captured.
type harness struct {
	t       testing.TB
	console *Server
	engine  *pipeline.Engine
	store   store.Store
	mux     *http.ServeMux
	srv     *httptest.Server
	logs    *logbuf.Buffer

	mu    sync.Mutex
	clock time.Time
}

func newHarness(t testing.TB, cfgYAML string) *harness {
	return newHarnessOn(t, cfgYAML, memory.New(store.Options{}))
}

// newHarnessOn is a harness on st.
func newHarnessOn(t testing.TB, cfgYAML string, st store.Store) *harness {
	t.Helper()
	cfg, err := config.Parse([]byte(cfgYAML), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	h := &harness{t: t, store: st, logs: &logbuf.Buffer{}, clock: time.Date(2026, 3, 4, 5, 0, 0, 0, time.UTC)}
	log := slog.New(slog.NewJSONHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	enricher := enrich.New(enrich.Options{})
	h.engine, err = pipeline.New(cfg, pipeline.Options{
		Store:      st,
		Enricher:   enricher,
		Muters:     []pipeline.Muter{enricher},
		Impacter:   enricher,
		Registerer: prometheus.NewRegistry(),
		Logger:     log,
		Now:        h.now,
	})
	if err != nil {
		t.Fatalf("engine: %v", err)
	}
	auditLog, err := audit.New(log, "")
	if err != nil {
		t.Fatal(err)
	}
	actions := &operator.Actions{Store: st, Engine: h.engine, Audit: auditLog, Log: log, Now: h.now}
	h.console, err = New(cfg, Deps{Store: st, Engine: h.engine, Actions: actions, Logger: log, Now: h.now})
	if err != nil {
		t.Fatalf("console: %v", err)
	}
	actions.Changed = h.console.Changed
	h.mux = http.NewServeMux()
	h.console.Routes(h.mux)
	h.srv = httptest.NewServer(h.mux)
	t.Cleanup(h.srv.Close)
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

// ingest parses an Alertmanager webhook body and hands its alerts to the
// engine, as the router's endpoint does.
func (h *harness) ingest(body []byte) {
	h.t.Helper()
	batch, err := alertmanager.Parser{Now: h.now}.Parse(body)
	if err != nil {
		h.t.Fatalf("parsing the webhook: %v", err)
	}
	if _, err := h.engine.Ingest(h.t.Context(), alert.SourceAlertmanager, batch.Alerts); err != nil {
		h.t.Fatalf("ingest: %v", err)
	}
}

// deliver flushes due groups and delivers what is ready.
func (h *harness) deliver() {
	h.t.Helper()
	if err := h.engine.Step(h.t.Context()); err != nil {
		h.t.Fatalf("step: %v", err)
	}
}

// amAlert is an Alertmanager webhook with one alert.
func amAlert(status string, startsAt time.Time, labels map[string]string) []byte {
	ls, _ := json.Marshal(labels)
	return fmt.Appendf(nil, `{"version":"4","status":%q,"alerts":[{"status":%q,"labels":%s,"annotations":{"summary":"s"},"startsAt":%q}]}`,
		status, status, ls, startsAt.Format(time.RFC3339))
}

// openIncident ingests a critical alert, flushes it and returns the
// incident's ID.
func (h *harness) openIncident(name string) string {
	h.t.Helper()
	h.ingest(amAlert("firing", h.now(), map[string]string{"alertname": name, "severity": "critical"}))
	h.deliver()
	return h.incidentOf(name)
}

// incidentOf returns the ID of the newest incident of alert name opened
// within a day.
func (h *harness) incidentOf(name string) string {
	h.t.Helper()
	list, err := h.store.Incidents(h.t.Context(), h.now(), h.now().Add(-24*time.Hour), 1000)
	if err != nil {
		h.t.Fatalf("incidents: %v", err)
	}
	for _, in := range list {
		if in.Labels["alertname"] == name {
			return in.ID
		}
	}
	h.t.Fatalf("no incident for %s in %v", name, list)
	return ""
}

// timeline returns the events of incident id.
func (h *harness) timeline(id string) []incident.Event {
	h.t.Helper()
	_, events, ok, err := h.store.Incident(h.t.Context(), id)
	if err != nil || !ok {
		h.t.Fatalf("incident %s: %v, found %v", id, err, ok)
	}
	return events
}

// browserClient is a client with a cookie jar that does not follow
// redirects, like a browser session the test inspects step by step.
func browserClient(t testing.TB) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// page GETs path and returns status, body and the page's form token.
func (h *harness) page(c *http.Client, path string) (int, string, string) {
	h.t.Helper()
	resp, err := c.Get(h.srv.URL + path)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	token := ""
	if m := csrfField.FindStringSubmatch(string(b)); m != nil {
		token = m[1]
	}
	return resp.StatusCode, string(b), token
}

// form posts a form and returns status, body and the redirect location.
func (h *harness) form(c *http.Client, path string, v url.Values) (int, string, string) {
	h.t.Helper()
	resp, err := c.PostForm(h.srv.URL+path, v)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header.Get("Location")
}

// login signs c in with token as name.
func (h *harness) login(c *http.Client, name, token string) {
	h.t.Helper()
	_, _, csrf := h.page(c, "/login")
	code, body, loc := h.form(c, "/login", url.Values{"csrf": {csrf}, "name": {name}, "token": {token}, "next": {"/"}})
	if code != http.StatusSeeOther || loc != "/" {
		h.t.Fatalf("login as %s: %d %s %.300s", name, code, loc, body)
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
