package router

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// consoleConfig is testConfig with the admin API and the console on, and
// a viewer token.
const consoleConfig = `
server:
  admin_token: adm-token
  external_url: https://alertgate.test.example
  console: {viewer_token: view-token}
` + testConfig

func TestAudit_ReloadThroughTheAPIIsRecordedWithWhoAskedAndTheResult(t *testing.T) {
	h := newHarness(t, consoleConfig, nil)
	h.nextConfig = "not: [valid"
	h.post("/-/reload", "adm-token", nil, "X-Alertgate-User", "deploy-bot")
	h.nextConfig = consoleConfig
	h.post("/-/reload", "adm-token", nil, "X-Alertgate-User", "deploy-bot")
	lines := h.logLines("audit")
	if len(lines) != 2 {
		t.Fatalf("audit lines %v, want two reloads", lines)
	}
	for i, want := range []string{"reload rejected", "ok"} {
		l := lines[i]
		if l["action"] != "reload" || l["user"] != "deploy-bot" || !strings.Contains(l["result"].(string), want) {
			t.Errorf("audit line %d = %v, want deploy-bot's reload with result %q", i, l, want)
		}
	}
}

// The console is its own package; the router mounts it and reloads it
// with everything else.
func TestConsole_ServedByTheRouterAndReloadedWithIt(t *testing.T) {
	h := newHarness(t, consoleConfig, nil)
	get := func(path string) (int, string) {
		t.Helper()
		resp, err := http.Get(h.srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b strings.Builder
		_, _ = io.Copy(&b, resp.Body)
		return resp.StatusCode, b.String()
	}
	if code, body := get("/login"); code != http.StatusOK || !strings.Contains(body, "Sign in") {
		t.Errorf("GET /login = %d %.200s", code, body)
	}
	if code, _ := get("/static/console.css"); code != http.StatusOK {
		t.Errorf("GET /static/console.css = %d", code)
	}
	h.nextConfig = strings.Replace(consoleConfig, "console: {viewer_token: view-token}", "console: {disabled: true}", 1)
	if code, resp := h.post("/-/reload", "adm-token", nil); code != http.StatusOK {
		t.Fatalf("reload: %d %v", code, resp)
	}
	if code, body := get("/login"); code != http.StatusNotFound || !strings.Contains(body, "server.console.disabled") {
		t.Errorf("GET /login after a reload that disables the console = %d %.200s", code, body)
	}
}

// The Now board keeps what it read for a moment; an action through the
// API clears it like one through the console, so the board shows it at
// once.
func TestConsole_AnAcknowledgementThroughTheAPIShowsOnTheBoardAtOnce(t *testing.T) {
	h := newHarness(t, strings.Replace(consoleConfig, "adm-token", "admin-token", 1), nil)
	h.post(amPath, "am-token", amAlert("firing", h.now(), map[string]string{"alertname": "BoardCache", "severity": "critical"}))
	h.deliver()
	var list []struct{ ID string }
	if err := json.Unmarshal(h.adminGet("/api/v1/incidents"), &list); err != nil || len(list) != 1 {
		t.Fatalf("incidents: %v %v", list, err)
	}
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	board := func() string {
		t.Helper()
		resp, err := c.Get(h.srv.URL + "/")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	csrf := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(board())
	if csrf == nil {
		t.Fatal("no form token on the login page")
	}
	if resp, err := c.PostForm(h.srv.URL+"/login", url.Values{"csrf": {csrf[1]}, "name": {"Yui"}, "token": {"view-token"}}); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("login: %v %v", resp, err)
	}
	if b := board(); !strings.Contains(b, list[0].ID) || strings.Contains(b, "api-user") {
		t.Fatalf("board before the acknowledgement: %.500s", b)
	}
	if code, resp := h.post("/api/v1/incidents/"+list[0].ID+"/ack", "admin-token", []byte(`{"by":"api-user"}`)); code != http.StatusOK {
		t.Fatalf("ack: %d %v", code, resp)
	}
	if b := board(); !strings.Contains(b, "api-user") {
		t.Errorf("the board does not show the acknowledgement through the API at once")
	}
}
