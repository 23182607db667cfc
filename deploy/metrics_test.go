package deploy

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/alertgate/alertgate/config"
	"github.com/alertgate/alertgate/enrich"
	"github.com/alertgate/alertgate/router"
	"github.com/alertgate/alertgate/router/pipeline"
	"github.com/alertgate/alertgate/router/store"
	"github.com/alertgate/alertgate/router/store/memory"
)

// scrapeConfig routes one alert to a dry-run receiver and mutes another all
// week, so that one webhook and one flush give every labelled series a
// value.
const scrapeConfig = `
sources:
  alertmanager: {token: am-token}
  newrelic: {token: nr-token}
  cloudwatch:
    topic_arns: ["arn:aws:sns:ap-northeast-1:123456789012:alarms"]
notify: {dry_run: true}
receivers:
  - name: team
    slack: {channel: "#team"}
time_intervals:
  - name: always
    time_intervals:
      - weekdays: ["monday:sunday"]
route:
  receiver: team
  group_by: [alertname]
  group_wait: 0s
  routes:
    - matchers: ['alertname="Muted"']
      receiver: team
      mute_time_intervals: [always]
`

// scrapePayload is an Alertmanager webhook with one alert that notifies
// and one that is muted.
const scrapePayload = `{
  "version": "4", "status": "firing", "receiver": "alertgate",
  "groupKey": "{}:{}", "externalURL": "http://alertmanager:9093",
  "alerts": [
    {"status": "firing", "labels": {"alertname": "HighErrorRate", "severity": "critical", "service": "api"},
     "annotations": {"summary": "errors"}, "startsAt": "2026-03-04T04:51:37Z", "fingerprint": "1111111111111111"},
    {"status": "firing", "labels": {"alertname": "Muted", "severity": "warning"},
     "annotations": {"summary": "muted"}, "startsAt": "2026-03-04T04:51:37Z", "fingerprint": "2222222222222222"}
  ]
}`

// servedMetrics builds a router the way router/harness_test.go does, with
// the Go and process collectors and the enrichment metrics serve
// registers, sends it one webhook,
// delivers what it decided, and returns the names of every series its
// /metrics would expose (histograms as _bucket, _sum and _count).
func servedMetrics(t *testing.T) map[string]bool {
	t.Helper()
	cfg, err := config.Parse([]byte(scrapeConfig), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	st := memory.New(store.Options{})
	engine, err := pipeline.New(cfg, pipeline.Options{Store: st, Enricher: enrich.New(enrich.Options{Registerer: reg}), Registerer: reg})
	if err != nil {
		t.Fatalf("engine: %v", err)
	}
	rt, err := router.New(router.Options{
		Config:   cfg,
		Engine:   engine,
		Store:    st,
		Registry: reg,
		Logger:   slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatalf("router: %v", err)
	}
	rt.SetReady(true)
	srv := httptest.NewServer(rt.Handler())
	t.Cleanup(srv.Close)
	post(t, srv.URL+"/api/v1/alerts/alertmanager", "am-token", scrapePayload)
	if err := rt.Step(t.Context()); err != nil {
		t.Fatalf("flush and deliver: %v", err)
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	names := map[string]bool{}
	for _, mf := range mfs {
		if len(mf.GetMetric()) == 0 {
			continue
		}
		name := mf.GetName()
		switch mf.GetType() {
		case dto.MetricType_HISTOGRAM:
			names[name+"_bucket"], names[name+"_sum"], names[name+"_count"] = true, true, true
		case dto.MetricType_SUMMARY:
			names[name], names[name+"_sum"], names[name+"_count"] = true, true, true
		default:
			names[name] = true
		}
	}
	return names
}

func post(t *testing.T, url, token, body string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST %s: %d %s", url, resp.StatusCode, b)
	}
}

// syntheticMetrics are series Prometheus makes itself, not alertgate.
var syntheticMetrics = []string{"up"}

// TestMetrics_EveryQueriedMetricExists: a dashboard panel or alert rule on
// a misspelt or renamed metric shows nothing and never fires, silently.
func TestMetrics_EveryQueriedMetricExists(t *testing.T) {
	served := servedMetrics(t)
	used := map[string][]string{}
	for _, q := range dashboardQueries(t) {
		for _, m := range metricNames(t, q.expr) {
			used[m] = append(used[m], "dashboard panel "+q.where)
		}
	}
	for _, r := range alertRules(t) {
		for _, m := range metricNames(t, r.Expr) {
			used[m] = append(used[m], "rule "+r.Alert)
		}
	}
	if len(used) == 0 {
		t.Fatal("found no metric names in the dashboard and rules")
	}
	var alertgate int
	for name, where := range used {
		if strings.HasPrefix(name, "alertgate_") {
			alertgate++
		}
		if !served[name] && !slices.Contains(syntheticMetrics, name) {
			t.Errorf("%s is used by %s but alertgate's /metrics has no such series", name, strings.Join(where, ", "))
		}
	}
	if alertgate < 10 {
		t.Errorf("the dashboard and rules use %d alertgate_* metrics, want at least 10", alertgate)
	}
}

// TestMetrics_DashboardCoversEveryAlertgateMetric keeps the dashboard in
// step with the code: a new alertgate_* metric should get a panel.
func TestMetrics_DashboardCoversEveryAlertgateMetric(t *testing.T) {
	used := map[string]bool{}
	for _, q := range dashboardQueries(t) {
		for _, m := range metricNames(t, q.expr) {
			used[m] = true
		}
	}
	var missing []string
	for name := range servedMetrics(t) {
		if strings.HasPrefix(name, "alertgate_") && !used[name] && !strings.HasSuffix(name, "_sum") && !strings.HasSuffix(name, "_count") {
			missing = append(missing, name)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("no dashboard panel shows %s: add one to deploy/grafana/alertgate.json", strings.Join(missing, ", "))
	}
}

// query is one PromQL expression of the dashboard and where it is.
type query struct{ where, expr string }

// grafanaVars are the dashboard variables, replaced by something PromQL
// parses.
var grafanaVars = strings.NewReplacer("$__rate_interval", "5m", "$__interval", "1m", "$__range", "1h")

func dashboardQueries(t *testing.T) []query {
	t.Helper()
	var d struct {
		UID        string           `json:"uid"`
		Title      string           `json:"title"`
		Panels     []dashboardPanel `json:"panels"`
		Templating struct {
			List []struct {
				Name       string `json:"name"`
				Definition string `json:"definition"`
			} `json:"list"`
		} `json:"templating"`
	}
	if err := json.Unmarshal(readFile(t, filepath.Join("grafana", "alertgate.json")), &d); err != nil {
		t.Fatal(err)
	}
	if d.UID == "" || d.Title == "" {
		t.Errorf("dashboard uid %q title %q: both are needed for provisioning", d.UID, d.Title)
	}
	var qs []query
	var walk func([]dashboardPanel)
	walk = func(ps []dashboardPanel) {
		for _, p := range ps {
			for _, tg := range p.Targets {
				qs = append(qs, query{p.Title, grafanaVars.Replace(tg.Expr)})
			}
			walk(p.Panels)
		}
	}
	walk(d.Panels)
	// label_values(METRIC_SELECTOR, label) in template variables.
	labelValues := regexp.MustCompile(`^label_values\((.+),\s*\w+\)$`)
	for _, v := range d.Templating.List {
		if m := labelValues.FindStringSubmatch(v.Definition); m != nil {
			qs = append(qs, query{"variable $" + v.Name, m[1]})
		}
	}
	return qs
}

type dashboardPanel struct {
	Title   string `json:"title"`
	Targets []struct {
		Expr string `json:"expr"`
	} `json:"targets"`
	Panels []dashboardPanel `json:"panels"`
}

func alertRules(t *testing.T) []rulefmt.Rule {
	t.Helper()
	groups, errs := rulefmt.ParseFile(filepath.Join("prometheus", "alerts.yml"), false, model.UTF8Validation, parser.NewParser(parser.Options{}), slog.New(slog.DiscardHandler))
	for _, err := range errs {
		t.Errorf("Prometheus rejects the rules: %v", err)
	}
	if groups == nil {
		t.FailNow()
	}
	var rules []rulefmt.Rule
	for _, g := range groups.Groups {
		rules = append(rules, g.Rules...)
	}
	return rules
}

// metricNames parses expr as PromQL and returns the metric names it
// selects.
func metricNames(t *testing.T, expr string) []string {
	t.Helper()
	e, err := parser.NewParser(parser.Options{}).ParseExpr(expr)
	if err != nil {
		t.Errorf("invalid PromQL %q: %v", expr, err)
		return nil
	}
	var names []string
	parser.Inspect(e, func(n parser.Node, _ []parser.Node) error {
		if vs, ok := n.(*parser.VectorSelector); ok && vs.Name != "" {
			names = append(names, vs.Name)
		}
		return nil
	})
	return names
}

func TestRules_EveryAlertHasSummaryDescriptionAndRunbook(t *testing.T) {
	rules := alertRules(t)
	readme := readFile(t, "README.md")
	var names []string
	for _, r := range rules {
		names = append(names, r.Alert)
		for _, a := range []string{"summary", "description", "runbook_url"} {
			if strings.TrimSpace(r.Annotations[a]) == "" {
				t.Errorf("%s has no %s annotation", r.Alert, a)
			}
		}
		if r.Labels["severity"] == "" {
			t.Errorf("%s has no severity label", r.Alert)
		}
		// The runbook is a section of deploy/README.md, linked by the
		// anchor GitHub gives its heading.
		want := "https://github.com/alertgate/alertgate/blob/main/deploy/README.md#" + strings.ToLower(r.Alert)
		if r.Annotations["runbook_url"] != want {
			t.Errorf("%s runbook_url %q, want %q", r.Alert, r.Annotations["runbook_url"], want)
		}
		if !bytes.Contains(readme, []byte("\n### "+r.Alert+"\n")) {
			t.Errorf("deploy/README.md has no runbook heading \"### %s\"", r.Alert)
		}
	}
	for _, want := range []string{"AlertgateDown", "AlertgateOutboxGrowing", "AlertgateDeadLetters", "AlertgateStoreDegraded", "AlertgateConfigReloadFailed", "AlertgateWebhooksRejected", "AlertgateHeartbeatMissing"} {
		if !slices.Contains(names, want) {
			t.Errorf("no %s rule", want)
		}
	}
}
