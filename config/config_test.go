package config

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

func env(m map[string]string) Getenv {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestLoadFile_ExampleConfigIsValid(t *testing.T) {
	cfg, err := LoadFile("alertgate.yml", env(nil))
	if err != nil {
		t.Fatalf("example config: %v", err)
	}
	if cfg.Server.Listen != ":9095" || !cfg.Notify.DryRun || cfg.Store.Backend != "memory" {
		t.Errorf("example config = %+v, want :9095, dry run, memory", cfg.Server)
	}
	if got := cfg.Sources.Alertmanager.Token.Reveal(); got != "dev-alertmanager-token" {
		t.Errorf("alertmanager token default = %q", got)
	}
}

const minimal = `
sources:
  alertmanager: {token: t}
  newrelic: {token: t}
  cloudwatch: {topic_arns: ["arn:aws:sns:us-east-1:123456789012:alarms"]}
receivers:
  - name: team
    log: {}
route:
  receiver: team
`

func TestParse_AppliesDefaults(t *testing.T) {
	cfg, err := Parse([]byte(minimal), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Server.MaxBodyBytes != DefaultMaxBodyBytes || time.Duration(cfg.Server.ReadHeaderTimeout) != 5*time.Second {
		t.Errorf("server defaults not applied: %+v", cfg.Server)
	}
	if cfg.Sources.Alertmanager.MaxAlerts != DefaultMaxAlerts || cfg.Store.Backend != "memory" || time.Duration(cfg.Dedup.RepeatInterval) != 4*time.Hour {
		t.Errorf("defaults not applied: %+v %+v %+v", cfg.Sources.Alertmanager, cfg.Store, cfg.Dedup)
	}
}

func TestParse_ErrorsNameTheKeyAndLine(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want string // substring of the error, with line
	}{
		{"unknown top-level key", minimal + "colour: blue\n", `11: colour: unknown key "colour"`},
		{"unknown nested key", strings.Replace(minimal, "{token: t}", "{token: t, tokn: x}", 1), `3: sources.alertmanager.tokn: unknown key "tokn"`},
		{"unknown receiver", strings.Replace(minimal, "receiver: team", "receiver: nobody", 1), `10: route.receiver: unknown receiver "nobody"`},
		{"wrong type", strings.Replace(minimal, "{token: t}\n  newrelic", "{token: t, max_alerts: lots}\n  newrelic", 1), "3: cannot unmarshal !!str `lots` into int"},
		{"missing token", strings.Replace(minimal, "alertmanager: {token: t}", "alertmanager: {}", 1), "3: sources.alertmanager.token: must be set"},
		{"bad topic arn", strings.Replace(minimal, "arn:aws:sns:us-east-1:123456789012:alarms", "arn:aws:sqs:x", 1), "5: sources.cloudwatch.topic_arns[0]"},
		{"bad matcher", minimal + "  routes:\n    - matchers: ['severity=~\"(']\n      receiver: team\n", "12: matcher value contains unescaped double quote"},
		{"missing route", strings.Split(minimal, "route:")[0], "route: a root route is required"},
		{"unsigned SNS outside dry run", strings.Replace(minimal, "alarms\"]}", "alarms\"], skip_signature_verification: true}", 1), "5: sources.cloudwatch.skip_signature_verification: only allowed with notify.dry_run"},
		{"muted while active", minimal + "  routes:\n    - receiver: team\n      mute_time_intervals: [alertgate:business_hours]\n      active_time_intervals: [lunch]\nbusiness_hours: {location: Asia/Tokyo}\ntime_intervals:\n  - name: lunch\n    time_intervals: [{weekdays: ['monday:friday'], times: [{start_time: '12:00', end_time: '13:00'}], location: Asia/Tokyo}]\n", "13: route.routes[0].mute_time_intervals: covers every time of active_time_intervals"},
		{"undefined time interval", minimal + "  routes:\n    - receiver: team\n      mute_time_intervals: [nights]\n", "13: route.routes[0].mute_time_intervals[0]: undefined time interval \"nights\""},
		{"escalation to an unknown receiver", minimal + "  escalate: {after: 15m, receiver: nobody}\n", "11: route.escalate.receiver: unknown receiver \"nobody\""},
		{"unknown on-call schedule", strings.Replace(minimal, "- name: team", "- name: team\n    oncall: weekly", 1), "8: receivers[0].oncall: unknown on-call schedule \"weekly\""},
		{"bad company holiday", minimal + "business_hours: {location: UTC, company_holidays: [\"13-45\"]}\n", "company holiday \"13-45\""},
		{"bad time zone", minimal + "business_hours: {location: Mars/Olympus}\n", "business_hours.location: unknown time zone"},
		{"empty inhibit target", minimal + "inhibit_rules:\n  - source_matchers: ['a=\"b\"']\n", "inhibit_rules[0].target_matchers: must not be empty"},
		{"pagerduty without key", strings.Replace(minimal, "log: {}", "pagerduty: {routing_key: \"\"}", 1), "8: receivers[0].pagerduty.routing_key: must be set"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.yaml), env(nil))
			if err == nil {
				t.Fatalf("Parse accepted:\n%s", tt.yaml)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %q\nwant it to contain %q", err, tt.want)
			}
		})
	}
}

func TestParse_ExpandsEnvironmentInValuesOnly(t *testing.T) {
	y := strings.Replace(minimal, "alertmanager: {token: t}", "alertmanager:\n    token: '${AM_TOKEN}'\n    max_alerts: ${MAX:-7}", 1)
	cfg, err := Parse([]byte(y), env(map[string]string{"AM_TOKEN": "s3cret: with\nnewline"}))
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Sources.Alertmanager.Token.Reveal(); got != "s3cret: with\nnewline" {
		t.Errorf("token = %q, want the variable's value verbatim", got)
	}
	if cfg.Sources.Alertmanager.MaxAlerts != 7 {
		t.Errorf("max_alerts = %d, want the default 7 from ${MAX:-7}", cfg.Sources.Alertmanager.MaxAlerts)
	}
}

func TestParse_UnsetVariableIsAnErrorWithItsLine(t *testing.T) {
	y := strings.Replace(minimal, "{token: t}", "{token: '${AM_TOKEN}'}", 1)
	_, err := Parse([]byte(y), env(nil))
	if err == nil || !strings.Contains(err.Error(), "3: environment variable AM_TOKEN is not set") {
		t.Errorf("error = %v, want line 3 naming AM_TOKEN", err)
	}
}

func TestSecret_NeverRevealedInOutput(t *testing.T) {
	s := Secret("hunter2")
	var logged strings.Builder
	slog.New(slog.NewTextHandler(&logged, nil)).Info("x", "token", s)
	y, _ := yaml.Marshal(struct{ T Secret }{s})
	j, _ := json.Marshal(struct{ T Secret }{s})
	for name, out := range map[string]string{"fmt": fmt.Sprint(s), "%v": fmt.Sprintf("%v", s), "slog": logged.String(), "yaml": string(y), "json": string(j)} {
		if strings.Contains(out, "hunter2") {
			t.Errorf("%s output reveals the secret: %s", name, out)
		}
	}
	if s.Reveal() != "hunter2" {
		t.Error("Reveal lost the value")
	}
}

func TestRoute_WalkNumbersLikeAlertmanagerDispatch(t *testing.T) {
	r := &Route{Receiver: "root", Routes: []*Route{
		{Receiver: "a", Routes: []*Route{{Receiver: "a1"}}},
		{Receiver: "b"},
	}}
	var got []string
	r.Walk(func(i int, n *Route) { got = append(got, fmt.Sprintf("%d:%s", i, n.Receiver)) })
	want := "0:a1 1:a 2:b 3:root"
	if strings.Join(got, " ") != want {
		t.Errorf("Walk = %v, want %s (children before parents)", got, want)
	}
}

// Relative paths in a configuration are relative to its file: the same
// file means the same thing from any working directory (a container's /,
// a benchmark started elsewhere).
func TestLoadFile_RelativePathsAreRelativeToTheFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "conf", "alertgate.yml")
	body := minimal + `enrich: {runbooks_dir: ../runbooks}
store:
  backend: redis
  redis: {address: "localhost:6379", tls: {enabled: true, ca_file: certs/ca.pem}}
`
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Chdir(t.TempDir())
	cfg, err := LoadFile(path, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, "runbooks"); cfg.Enrich.RunbooksDir != want {
		t.Errorf("runbooks_dir = %q, want %q", cfg.Enrich.RunbooksDir, want)
	}
	if want := filepath.Join(dir, "conf", "certs", "ca.pem"); cfg.Store.Redis.TLS.CAFile != want {
		t.Errorf("ca_file = %q, want %q", cfg.Store.Redis.TLS.CAFile, want)
	}
	abs := strings.Replace(body, "../runbooks", "/srv/runbooks", 1)
	if err := os.WriteFile(path, []byte(abs), 0o600); err != nil {
		t.Fatal(err)
	}
	if cfg, err := LoadFile(path, env(nil)); err != nil || cfg.Enrich.RunbooksDir != "/srv/runbooks" {
		t.Errorf("an absolute runbooks_dir became %q (%v)", cfg.Enrich.RunbooksDir, err)
	}
}
