package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func noEnv(string) (string, bool) { return "", false }

func runCLI(t *testing.T, getenv env, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(args, &out, &errOut, getenv)
	return code, out.String(), errOut.String()
}

func TestCheckConfig(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.yml")
	if err := os.WriteFile(bad, []byte("receivers:\n  - name: a\n    log: {}\nroute:\n  receiver: b\ncolour: blue\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		args     []string
		env      env
		code     int
		contains string
	}{
		{"example config is valid", []string{"check-config", "--config", "../../config/alertgate.yml"}, noEnv, 0, "ok"},
		{"config from the environment", []string{"check-config"}, func(k string) (string, bool) {
			return "../../config/alertgate.yml", k == "ALERTGATE_CONFIG"
		}, 0, "ok"},
		{"invalid config is a finding with file and line", []string{"check-config", "--config", bad}, noEnv, 1, bad + ":6: colour: unknown key"},
		{"missing file is a finding", []string{"check-config", "--config", "/nonexistent.yml"}, noEnv, 1, "no such file"},
		{"missing flag is a usage error", []string{"check-config"}, noEnv, 2, "--config is required"},
		{"unknown flag is a usage error", []string{"check-config", "--bogus"}, noEnv, 2, "flag provided but not defined"},
		{"unknown command is a usage error", []string{"frobnicate"}, noEnv, 2, "unknown command"},
		{"version", []string{"--version"}, noEnv, 0, "alertgate dev"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, tt.env, tt.args...)
			if code != tt.code || !strings.Contains(out+errOut, tt.contains) {
				t.Errorf("exit %d, output %q %q; want exit %d containing %q", code, out, errOut, tt.code, tt.contains)
			}
		})
	}
}

func TestRoutesTest_DefaultPolicy(t *testing.T) {
	const cfg = "../../config/alertgate.yml"
	tests := []struct {
		name   string
		at     string
		labels []string
		result string
		also   []string
	}{
		{"critical at 03:00 on a weekday pages the on-call", "2026-01-13T03:00:00+09:00",
			[]string{"alertname=HighErrorRate", "severity=critical", "service=api"},
			"Result    PAGES now via oncall-page", []string{"outside business hours", "on call   Suzuki"}},
		{"critical at 14:00 goes to Slack and escalates", "2026-01-13T14:00:00+09:00",
			[]string{"alertname=HighErrorRate", "severity=critical", "service=api"},
			"Result    notifies team-slack; escalates to oncall-page after 15m unacknowledged", []string{"inside business hours"}},
		{"critical at 14:00 on a holiday pages", "2026-01-12T14:00:00+09:00",
			[]string{"alertname=HighErrorRate", "severity=critical"},
			"Result    PAGES now via oncall-page", []string{"holiday: Coming of Age Day"}},
		{"warning at 03:00 waits quietly for the morning", "2026-01-13T03:00:00+09:00",
			[]string{"alertname=HighLatency", "severity=warning", "service=api"},
			"Result    waits quietly for team-slack until it may sound", []string{"noise     QUIET now: a new incident waits for alertgate:business_hours"}},
		{"a tier-1 service's New Relic warning at 03:00 reaches the on-call's channel", "2026-01-13T03:00:00+09:00",
			[]string{"alertname=Apdex low", "severity=warning", "source=newrelic", "entity=web-prod-api"},
			"Result    notifies oncall-slack; waits quietly for team-slack until it may sound",
			[]string{`Incident  service api by services[api].match[2] {entity="web-prod-api"}`}},
		{"a service label alone does not correlate", "2026-01-13T14:00:00+09:00",
			[]string{"alertname=NodeFilesystemAlmostOutOfSpace", "severity=warning", "service=kube-prometheus-stack-prometheus-node-exporter"},
			"Result    notifies team-slack", []string{"a `service` label alone never correlates"}},
		{"known batch alert at 02:00 is muted", "2026-01-13T02:00:00+09:00",
			[]string{"alertname=NightlyExportFailed", "job_type=batch", "severity=critical"},
			"Result    MUTED now (batch-slack)", []string{"mute_time_intervals night-batch"}},
		{"node alerts inhibit pods", "2026-01-13T14:00:00+09:00",
			[]string{"alertname=KubePodCrashLooping", "severity=warning", "node=ip-10-0-1-2"},
			"Result    notifies team-slack", []string{`Inhibited only if an alert matching {alertname=~"KubeNodeNotReady|KubeNodeUnreachable"} fires with the same node`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"routes", "test", "--config", cfg, "--at", tt.at}, tt.labels...)
			code, out, errOut := runCLI(t, noEnv, args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			for _, want := range append(tt.also, tt.result) {
				if !strings.Contains(out, want) {
					t.Errorf("output lacks %q:\n%s", want, out)
				}
			}
		})
	}
}

func TestRoutesTest_UsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"routes"},
		{"routes", "test", "--config", "../../config/alertgate.yml"},
		{"routes", "test", "--config", "../../config/alertgate.yml", "novalue"},
		{"routes", "test", "--config", "../../config/alertgate.yml", "--at", "yesterday", "a=b"},
	} {
		if code, _, _ := runCLI(t, noEnv, args...); code != exitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, exitUsage)
		}
	}
}

func TestRunbooksLint(t *testing.T) {
	code, out, errOut := runCLI(t, noEnv, "runbooks", "lint", "--config", "../../config/alertgate.yml", "../../runbooks")
	if code != 0 || strings.Contains(out, "no runbook covers") || !strings.Contains(out, "no errors") {
		t.Errorf("shipped runbooks with the example config: exit %d\n%s%s\nwant no errors and every alert of the config covered", code, out, errOut)
	}
	code, out, _ = runCLI(t, noEnv, "runbooks", "lint", "../../enrich/runbook/testdata/broken/duplicate-id")
	if code != exitFinding || !strings.Contains(out, "error") {
		t.Errorf("broken runbooks: exit %d\n%s, want exit 1 with the errors", code, out)
	}
	if code, _, _ := runCLI(t, noEnv, "runbooks", "check"); code != exitUsage {
		t.Errorf("unknown runbooks subcommand: exit %d, want 2", code)
	}
}

// The admin token is part of how report and postmortem are invoked: its
// absence is a usage error (exit 2), like a missing flag, not a finding.
func TestAdminCommands_WithoutATokenAreUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"report"},
		{"report", "--since", "24h", "--format", "markdown"},
		{"postmortem", "7a34e680816e9254-t8rh0o"},
		{"postmortem", "7a34e680816e9254-t8rh0o", "--lang", "ja"},
	} {
		code, out, errOut := runCLI(t, noEnv, append(args, "--url", "http://127.0.0.1:1")...)
		if code != exitUsage || !strings.Contains(errOut, "ALERTGATE_ADMIN_TOKEN") {
			t.Errorf("%v: exit %d, output %q %q; want 2 naming ALERTGATE_ADMIN_TOKEN", args, code, out, errOut)
		}
	}
	// A token and a server that cannot be reached is a failed run, not a
	// usage error.
	withToken := func(k string) (string, bool) { return "t", k == "ALERTGATE_ADMIN_TOKEN" }
	if code, _, _ := runCLI(t, withToken, "report", "--url", "http://127.0.0.1:1"); code != exitFinding {
		t.Errorf("report against nothing: exit %d, want 1", code)
	}
}

// A relative path in a configuration is relative to the file, so the
// example configuration means the same from any working directory, and
// check-config loads the runbooks serve would load.
func TestCheckConfig_RunbooksAreFoundRelativeToTheConfigFile(t *testing.T) {
	example, err := filepath.Abs("../../config/alertgate.yml")
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(t.TempDir())
	if code, out, errOut := runCLI(t, noEnv, "check-config", "--config", example); code != exitOK {
		t.Fatalf("check-config from another directory: exit %d, %q %q", code, out, errOut)
	}
	dir := t.TempDir()
	cfg := filepath.Join(dir, "alertgate.yml")
	body, err := os.ReadFile(example)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfg, body, 0o600); err != nil { // runbooks_dir ../runbooks names nothing there
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, noEnv, "check-config", "--config", cfg)
	if code != exitFinding || !strings.Contains(errOut, "runbooks_dir") || !strings.Contains(errOut, filepath.Join(filepath.Dir(dir), "runbooks")) {
		t.Errorf("check-config of a config whose runbooks are missing: exit %d, %q %q; want 1 naming runbooks_dir and where it looked", code, out, errOut)
	}
}

// Published example tokens protect nothing: outside a dry run they are a
// finding, whether written out or left as the defaults of the example's
// ${VAR:-dev-...} references.
func TestCheckConfig_RefusesThePublishedTokensOutsideADryRun(t *testing.T) {
	const live = `server:
  admin_token: ${ALERTGATE_ADMIN_TOKEN:-dev-admin-token}
sources:
  alertmanager: {token: "${ALERTGATE_ALERTMANAGER_TOKEN:-dev-alertmanager-token}"}
  newrelic: {token: dev-newrelic-token}
  cloudwatch: {disabled: true}
notify: {dry_run: false}
receivers:
  - name: team
    log: {}
route:
  receiver: team
`
	cfg := filepath.Join(t.TempDir(), "live.yml")
	if err := os.WriteFile(cfg, []byte(live), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := runCLI(t, noEnv, "check-config", "--config", cfg)
	for _, key := range []string{"server.admin_token", "sources.alertmanager.token", "sources.newrelic.token"} {
		if !strings.Contains(errOut, key) {
			t.Errorf("check-config does not name %s:\n%s", key, errOut)
		}
	}
	if code != exitFinding {
		t.Errorf("exit %d, want 1", code)
	}
	own := func(k string) (string, bool) { return "own-" + k, strings.HasSuffix(k, "_TOKEN") }
	code, out, errOut := runCLI(t, own, "check-config", "--config", cfg)
	if code != exitFinding || strings.Contains(errOut, "admin_token") || !strings.Contains(errOut, "sources.newrelic.token") {
		t.Errorf("with two tokens set: exit %d, %q %q; want only the written-out one refused", code, out, errOut)
	}
	dry := filepath.Join(t.TempDir(), "dry.yml")
	if err := os.WriteFile(dry, []byte(strings.Replace(live, "dry_run: false", "dry_run: true", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := runCLI(t, noEnv, "check-config", "--config", dry); code != exitOK {
		t.Errorf("dry run with the published tokens: exit %d, %q %q; want ok", code, out, errOut)
	}
}
