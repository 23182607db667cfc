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
