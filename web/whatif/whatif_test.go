package whatif_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/alertgate/alertgate/config"
	"github.com/alertgate/alertgate/replay"
	"github.com/alertgate/alertgate/router"
	"github.com/alertgate/alertgate/router/notify"
	"github.com/alertgate/alertgate/web"
	"github.com/alertgate/alertgate/web/whatif"
)

const base = `
sources: {alertmanager: {token: t}, newrelic: {disabled: true}, cloudwatch: {disabled: true}}
notify: {dry_run: true}
receivers:
  - {name: team, slack: {channel: "#team"}}
  - {name: oncall, pagerduty: {routing_key: k}, slack: {channel: "#oncall"}}
route:
  receiver: team
  group_by: [alertname]
  group_wait: 30s
  routes:
    - {matchers: ['severity="critical"'], receiver: %s}
`

func load(t *testing.T, receiver string) *config.Config {
	t.Helper()
	cfg, err := config.Parse(fmt.Appendf(nil, base, receiver), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func gate(cfg *config.Config, now func() time.Time, sink notify.CallSink) (replay.Gate, error) {
	return router.NewReplay(cfg, now, sink, nil)
}

func TestUpload_ComparesPagesOfTwoConfigurations(t *testing.T) {
	at := time.Date(2026, 1, 13, 3, 0, 0, 0, time.UTC)
	trace := fmt.Appendf(nil, `{"at":%q,"source":"alertmanager","body":{"version":"4","status":"firing","alerts":[{"status":"firing","labels":{"alertname":"DiskFull","severity":"critical"},"startsAt":%q}]}}`+"\n",
		at.Format(time.RFC3339), at.Format(time.RFC3339))
	r := &whatif.Runner{NewGate: gate}
	c, err := r.Upload(t.Context(), load(t, "oncall"), load(t, "team"), trace, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	targets := map[string]bool{}
	for _, row := range c.Rows {
		targets[row.Target] = true
	}
	if c.PagesBefore != 1 || c.PagesAfter != 0 || c.Records != 1 || len(targets) != 3 || len(c.Rows) != 6 {
		t.Errorf("comparison %+v, want one page before and none after, calls and sounds of three targets", c)
	}
	if len(c.Chart.X) != 1 || len(c.Chart.Values) != 4 {
		t.Errorf("chart %+v, want one hour of four series", c.Chart)
	}
}

func TestUpload_ABadTraceNamesTheField(t *testing.T) {
	r := &whatif.Runner{NewGate: gate}
	for name, trace := range map[string]string{"not JSON": "nope\n", "unknown source": `{"at":"2026-01-13T03:00:00Z","source":"x","body":{}}` + "\n", "empty": "\n"} {
		_, err := r.Upload(t.Context(), load(t, "oncall"), load(t, "team"), []byte(trace), time.UTC)
		var fe *web.FieldError
		if !errors.As(err, &fe) || fe.Field != "trace_file" {
			t.Errorf("%s: %v, want an error on trace_file", name, err)
		}
	}
	if _, err := r.Recorded(t.Context(), load(t, "oncall"), load(t, "team"), time.Now(), time.UTC); err == nil {
		t.Error("a server without a recording compared its recording")
	}
}
