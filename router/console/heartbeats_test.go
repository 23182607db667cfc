package console

import (
	"html"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/alertgate/alertgate/router/store"
	"github.com/alertgate/alertgate/router/store/redis"
	"github.com/alertgate/alertgate/router/store/redis/redistest"
)

// heartbeatConfig is testConfig with two heartbeats: a Watchdog every 5
// minutes that pages oncall, and a nightly job's alert every hour that
// tells the team.
const heartbeatConfig = testConfig + `heartbeats:
  - name: watchdog
    matchers: ['alertname="Watchdog"']
    interval: 5m
    receiver: oncall
  - name: nightly-backup
    matchers: ['alertname="BackupDone"']
    interval: 1h
    receiver: team
`

var (
	tags   = regexp.MustCompile(`<[^>]*>`)
	spaces = regexp.MustCompile(`\s+`)
)

// heartbeatRow returns the text of heartbeat name's row on a Now page,
// "" if it has none.
func heartbeatRow(body, name string) string {
	m := regexp.MustCompile(`(?s)<tr data-heartbeat="` + regexp.QuoteMeta(name) + `">(.*?)</tr>`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return strings.TrimSpace(spaces.ReplaceAllString(html.UnescapeString(tags.ReplaceAllString(m[1], " ")), " "))
}

func TestConsole_NowPageShowsEachHeartbeatsStateLastArrivalAndDueTime(t *testing.T) {
	h := newHarness(t, heartbeatConfig)
	h.deliver() // arms the heartbeats
	c := browserClient(t)
	h.login(c, "Yui", "view-token")
	steps := []struct {
		name     string
		do       func()
		watchdog string
		backup   string
	}{
		{"armed, none arrived yet", func() {},
			"watchdog every 5m waiting for the first none since alertgate started in 5m oncall",
			"nightly-backup every 1h waiting for the first none since alertgate started in 1h team"},
		{"the watchdog arrives", func() {
			h.advance(time.Minute)
			h.ingest(amAlert("firing", h.now(), map[string]string{"alertname": "Watchdog", "severity": "none"}))
		},
			"watchdog every 5m ok <1m ago in 5m oncall",
			"nightly-backup every 1h waiting for the first none since alertgate started in 59m team"},
		{"past due, before the engine notices", func() { h.advance(6 * time.Minute) },
			"watchdog every 5m late 6m ago 1m ago oncall",
			"nightly-backup every 1h waiting for the first none since alertgate started in 53m team"},
		{"missing: paging", func() { h.deliver() },
			"watchdog every 5m missing: paging oncall 6m ago 1m ago oncall",
			"nightly-backup every 1h waiting for the first none since alertgate started in 53m team"},
	}
	for _, s := range steps {
		s.do()
		code, body, _ := h.page(c, "/")
		if code != http.StatusOK || !strings.Contains(body, `<h2 id="heartbeats-title">Heartbeats</h2>`) {
			t.Fatalf("%s: GET / = %d without a Heartbeats section: %.300s", s.name, code, body)
		}
		if got := heartbeatRow(body, "watchdog"); got != s.watchdog {
			t.Errorf("%s: watchdog row reads %q, want %q", s.name, got, s.watchdog)
		}
		if got := heartbeatRow(body, "nightly-backup"); got != s.backup {
			t.Errorf("%s: nightly-backup row reads %q, want %q", s.name, got, s.backup)
		}
	}
	// The live refresh replaces the board, heartbeats included.
	req, _ := http.NewRequest(http.MethodGet, h.srv.URL+"/", nil)
	req.Header.Set("X-Console-Fragment", "board")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if got := heartbeatRow(string(b), "watchdog"); !strings.HasPrefix(got, "watchdog every 5m missing") {
		t.Errorf("the live refresh's board has watchdog as %q", got)
	}
}

func TestConsole_NowPageHasNoHeartbeatsSectionWithoutHeartbeats(t *testing.T) {
	h := newHarness(t, testConfig)
	c := browserClient(t)
	h.login(c, "Yui", "view-token")
	if _, body, _ := h.page(c, "/"); strings.Contains(body, `id="heartbeats"`) {
		t.Error("a Heartbeats section without any heartbeat configured")
	}
}

// When the store stops answering between two refreshes, the board shows
// what it read a moment ago and says the heartbeats could not be read.
func TestConsole_NowPageSaysWhenHeartbeatsCannotBeRead(t *testing.T) {
	srv := redistest.Start(t)
	client, err := redis.NewClient(redis.Config{Address: srv.Addr(), DialTimeout: 200 * time.Millisecond, ReadTimeout: 500 * time.Millisecond, WriteTimeout: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	st := redis.New(client, "hb:", store.Options{})
	t.Cleanup(func() { st.Close() })
	h := newHarnessOn(t, heartbeatConfig, st)
	id := h.openIncident("StoreGoesAway")
	c := browserClient(t)
	h.login(c, "Yui", "view-token")
	if _, body, _ := h.page(c, "/"); heartbeatRow(body, "watchdog") == "" {
		t.Fatalf("no watchdog row while the store answers: %.500s", body)
	}
	srv.Stop()
	code, body, _ := h.page(c, "/")
	if code != http.StatusOK || !strings.Contains(body, id) || !strings.Contains(body, "The heartbeats could not be read") {
		t.Errorf("with the store gone: %d %.1000s", code, body)
	}
}
