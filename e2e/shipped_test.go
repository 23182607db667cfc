package e2e

import (
	"bytes"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

var shipped struct {
	once sync.Once
	path string
	err  error
}

// shippedBinary builds, once, alertgate as users get it: without the e2e
// build tag.
func shippedBinary(t *testing.T) string {
	t.Helper()
	shipped.once.Do(func() {
		shipped.path = filepath.Join(filepath.Dir(binary), "alertgate-shipped")
		shipped.err = build(shipped.path, "")
	})
	if shipped.err != nil {
		t.Fatalf("building the shipped binary: %v", shipped.err)
	}
	return shipped.path
}

func TestShipped_HasNoTestingFlagAndIgnoresTestingVariables(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	cmd := exec.Command(shippedBinary(t), "serve", "--help")
	cmd.Stdout, cmd.Stderr = &out, &out
	_ = cmd.Run()
	if !strings.Contains(out.String(), "-config") || strings.Contains(strings.ToLower(out.String()), "testing") {
		t.Errorf("serve --help of the shipped binary:\n%s\nwant its flags and no testing flag", out.String())
	}
	w := newWorld(t)
	g := startGate(t, gateOptions{
		config:  w.config(setup{}),
		shipped: true,
		env: map[string]string{
			"ALERTGATE_TESTING_CLOCK":    "true",
			"ALERTGATE_TESTING_SNS_CA":   "/etc/hostname",
			"ALERTGATE_TESTING_SNS_ADDR": "127.0.0.1:1",
		},
	})
	if code, _ := g.mustDo(http.MethodPost, "/-/testing/clock", adminToken, []byte(`{"advance": "24h"}`), nil); code != http.StatusNotFound {
		t.Errorf("POST /-/testing/clock on the shipped binary answered %d, want 404", code)
	}
	if logs, err := os.ReadFile(g.logPath); err != nil || bytes.Contains(logs, []byte("TESTING")) {
		t.Errorf("the shipped binary turned a testing hook on (%v):\n%s", err, logs)
	}
}

// TestQuickStart_ExampleConfigServesFromAnyWorkingDirectory is the
// README's quick start as a container runs it: the example configuration
// served from another working directory (the container's is /, where
// "runbooks" named nothing and alertgate exited at start). It starts,
// accepts the README's Alertmanager sample, and logs each notification
// with its summary, the runbook it matched and who is on call, as the
// README says.
func TestQuickStart_ExampleConfigServesFromAnyWorkingDirectory(t *testing.T) {
	t.Parallel()
	g := startGate(t, gateOptions{
		configPath: filepath.Join(moduleRoot, "config", "alertgate.yml"),
		dir:        t.TempDir(),
		env:        map[string]string{"ALERTGATE_ADMIN_TOKEN": adminToken},
	})
	body, err := os.ReadFile(filepath.Join(moduleRoot, "router", "source", "alertmanager", "testdata", "firing_group.json"))
	if err != nil {
		t.Fatal(err)
	}
	if a := g.ingest("alertmanager", "dev-alertmanager-token", body, nil); a.Notify == 0 {
		t.Fatalf("the README's sample: %+v, want it to notify", a)
	}
	g.advance(time.Minute) // the example's group_wait
	waitFor(t, "the notification log lines", func() (bool, string) {
		recs := g.logRecords("notification")
		return len(recs) > 0, "none yet"
	})
	for _, rec := range g.logRecords("notification") {
		for _, key := range []string{"summary", "runbook", "oncall"} {
			if s, _ := rec[key].(string); s == "" {
				t.Errorf("notification log line without %s: %v", key, rec)
			}
		}
		if rec["runbook"] != "kube-pod-crashlooping" {
			t.Errorf("runbook %v, want kube-pod-crashlooping from the repository's runbooks", rec["runbook"])
		}
	}
}
