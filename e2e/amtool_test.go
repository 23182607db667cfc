package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

var (
	amtoolOnce sync.Once
	amtoolPath string
	amtoolErr  error
)

// amtool builds, once, Alertmanager's amtool at the version go.mod
// requires, from the module (go install pkg@version).
func amtool(t *testing.T) string {
	t.Helper()
	amtoolOnce.Do(func() {
		out, err := exec.Command(goTool(), "list", "-m", "-f", "{{.Version}}", "github.com/prometheus/alertmanager").Output()
		if err != nil {
			amtoolErr = fmt.Errorf("go list the alertmanager version: %w", err)
			return
		}
		dir, err := os.MkdirTemp("", "alertgate-amtool-")
		if err != nil {
			amtoolErr = err
			return
		}
		cmd := exec.Command(goTool(), "install", "github.com/prometheus/alertmanager/cmd/amtool@"+strings.TrimSpace(string(out)))
		cmd.Dir, cmd.Env = moduleRoot, append(os.Environ(), "GOBIN="+dir, "GOFLAGS=-mod=mod")
		if b, err := cmd.CombinedOutput(); err != nil {
			amtoolErr = fmt.Errorf("building amtool: %w\n%s", err, b)
			return
		}
		amtoolPath = filepath.Join(dir, "amtool")
	})
	if amtoolErr != nil {
		t.Fatal(amtoolErr)
	}
	return amtoolPath
}

// runAmtool runs amtool against g with the admin token as its bearer
// credentials and returns its output and exit error.
func runAmtool(t *testing.T, g *gate, args ...string) (string, error) {
	t.Helper()
	cfg := filepath.Join(t.TempDir(), "http.yml")
	if err := os.WriteFile(cfg, []byte("authorization:\n  credentials: "+adminToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(amtool(t), append([]string{"--alertmanager.url=" + g.url, "--http.config.file=" + cfg}, args...)...)
	cmd.Env = []string{"HOME=" + t.TempDir()}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

// TestAmtool_AddsQueriesUpdatesAndExpiresSilences uses Alertmanager's own
// command-line tool against alertgate's /api/v2 silence endpoints.
func TestAmtool_AddsQueriesUpdatesAndExpiresSilences(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	g := w.start("alertgate", setup{})

	out, err := runAmtool(t, g, "silence", "add", "alertname=E2EAmtool", `instance=~"web-.*"`, "--comment=disk swap", "--duration=1h", "--author=amtool-user")
	if err != nil {
		t.Fatalf("amtool silence add: %v\n%s", err, out)
	}
	id := strings.TrimSpace(out)

	out, err = runAmtool(t, g, "silence", "query", "-o", "json")
	if err != nil {
		t.Fatalf("amtool silence query: %v\n%s", err, out)
	}
	var got []struct {
		ID        string `json:"id"`
		CreatedBy string `json:"createdBy"`
		Comment   string `json:"comment"`
		Status    struct{ State string }
		Matchers  []struct {
			Name, Value      string
			IsRegex, IsEqual bool
		}
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("amtool silence query -o json: %v\n%s", err, out)
	}
	if len(got) != 1 || got[0].ID != id || got[0].Status.State != "active" || got[0].CreatedBy != "amtool-user" || got[0].Comment != "disk swap" ||
		len(got[0].Matchers) != 2 || !got[0].Matchers[1].IsRegex || !got[0].Matchers[1].IsEqual {
		t.Fatalf("amtool reads back %+v, want the active silence %s with its two matchers", got, id)
	}
	if out, err := runAmtool(t, g, "silence", "query", "-q", "alertname=E2EAmtool"); err != nil || strings.TrimSpace(out) != id {
		t.Errorf("amtool silence query -q alertname=E2EAmtool = %q, %v; want %s", out, err, id)
	}
	if out, err := runAmtool(t, g, "silence", "query", "-q", "alertname=Other"); err != nil || strings.TrimSpace(out) != "" {
		t.Errorf("a filter no silence has = %q, %v; want nothing", out, err)
	}

	g.ingest("alertmanager", amToken, amBody("firing", g.now(), labels("alertname", "E2EAmtool", "instance", "web-3", "severity", "critical")), nil)
	waitFor(t, "the alert muted by amtool's silence", func() (bool, string) {
		n := g.metric("alertgate_alerts_muted_total", "reason", "silenced")
		return n >= 1, fmt.Sprintf("muted{silenced} = %v", n)
	})

	out, err = runAmtool(t, g, "silence", "update", id, "--duration=3h", "--comment=longer", "-o", "json")
	if err != nil {
		t.Fatalf("amtool silence update: %v\n%s", err, out)
	}
	var updated []struct{ ID string }
	if err := json.Unmarshal([]byte(out), &updated); err != nil || len(updated) != 1 || updated[0].ID == id {
		t.Fatalf("amtool silence update answered %q (%v), want the replacement's new ID", out, err)
	}
	newID := updated[0].ID
	if out, err := runAmtool(t, g, "silence", "expire", newID); err != nil {
		t.Fatalf("amtool silence expire: %v\n%s", err, out)
	}
	var list []struct{ ID, Status string }
	g.admin(http.MethodGet, "/api/v1/silences", nil, http.StatusOK, &list)
	for _, s := range list {
		if s.Status != "expired" {
			t.Errorf("silence %s is %s after update and expire, want expired", s.ID, s.Status)
		}
	}
	if len(list) != 2 {
		t.Errorf("%d silences after an update, want the original and its replacement", len(list))
	}
	if out, err := runAmtool(t, g, "silence", "expire", "no-such-silence"); err == nil {
		t.Errorf("amtool expired an unknown silence: %s", out)
	}
}
