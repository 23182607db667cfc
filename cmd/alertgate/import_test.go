package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestImport_ShippedAlertmanagerConfigPassesCheckConfig converts the
// Alertmanager configuration the repository ships and checks the result
// with check-config, the variables it lists set as a user would.
func TestImport_ShippedAlertmanagerConfigPassesCheckConfig(t *testing.T) {
	out := filepath.Join(t.TempDir(), "alertgate.yml")
	code, stdout, stderr := runCLI(t, noEnv, "import", "alertmanager", "../../deploy/alertmanager/alertmanager.yml", "-o", out)
	if code != 0 || stdout != "" {
		t.Fatalf("import: %d\n%s\n%s", code, stdout, stderr)
	}
	vars := map[string]string{}
	for _, m := range regexp.MustCompile(`(?m)^  ([A-Z0-9_]+)  \(`).FindAllStringSubmatch(stderr, -1) {
		vars[m[1]] = "https://placeholder.example.com/" + strings.ToLower(m[1])
	}
	if len(vars) == 0 || !strings.Contains(stderr, "not carried over") {
		t.Fatalf("stderr lists no variables or notes:\n%s", stderr)
	}
	data, _ := os.ReadFile(out)
	if strings.Contains(string(data), "/etc/alertmanager/secrets/alertgate-token\n") {
		t.Error("a secret file's path was copied as a value")
	}
	code, stdout, stderr = runCLI(t, func(k string) (string, bool) { v, ok := vars[k]; return v, ok }, "check-config", "--config", out)
	if code != 0 {
		t.Fatalf("check-config: %d %s %s\n%s", code, stdout, stderr, data)
	}
	code, _, stderr = runCLI(t, noEnv, "check-config", "--config", out)
	if code != 1 || !strings.Contains(stderr, "environment variable") {
		t.Errorf("check-config without the variables: %d %s", code, stderr)
	}
}

func TestImport_Usage(t *testing.T) {
	for _, args := range [][]string{{"import"}, {"import", "prometheus", "x"}, {"import", "alertmanager"}} {
		if code, _, _ := runCLI(t, noEnv, args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
	bad := filepath.Join(t.TempDir(), "am.yml")
	_ = os.WriteFile(bad, []byte("route: {receiver: nobody}\nreceivers: []\n"), 0o600)
	if code, _, stderr := runCLI(t, noEnv, "import", "alertmanager", bad); code != 1 || !strings.Contains(stderr, "not a valid Alertmanager configuration") {
		t.Errorf("invalid input: %d %s", code, stderr)
	}
}
