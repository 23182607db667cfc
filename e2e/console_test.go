package e2e

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// consoleURL is the server.external_url of the console tests: links in
// notifications point there.
const consoleURL = "https://alertgate.e2e.example"

// TestConsole_OperatorFlowInChromium drives the console in a real
// headless Chromium against the real binary on a real Redis: sign in,
// watch an incident appear after a webhook, open it, acknowledge it and
// see the timeline change, silence it from the preview and see the next
// alert muted, read the noise chart, route an alert, compare a
// configuration, and read the pages on a phone and without JavaScript.
// Each page's screenshot is kept (see artefactDir).
func TestConsole_OperatorFlowInChromium(t *testing.T) {
	b := newBrowser(t)
	w := newWorld(t)
	// Any alert can be a heartbeat: the test's own alert is one, so the
	// board's Heartbeats section shows an arrival without another
	// incident on the board.
	g := w.start("alertgate", setup{server: "  external_url: " + consoleURL,
		heartbeats: `  - {name: e2e-console, matchers: ['alertname="E2EConsoleDown"'], interval: 24h, receiver: team}`})

	b.do("open the console", chromedp.Navigate(g.url+"/"), chromedp.WaitVisible(chromedp.CSS("#token")))
	b.screenshot("login")
	if u := eval[string](b, "location.pathname"); u != "/login" {
		t.Fatalf("an anonymous visit landed on %s, want /login", u)
	}
	b.do("sign in",
		chromedp.SendKeys(chromedp.CSS("#name"), "Hanako"),
		chromedp.SendKeys(chromedp.CSS("#token"), adminToken),
		chromedp.Submit(chromedp.CSS("#token")),
		chromedp.WaitVisible(chromedp.CSS("#board")),
	)
	if !strings.Contains(b.text(".who"), "Hanako") {
		t.Errorf("header shows %q, want the signed-in name", b.text(".who"))
	}
	if s := b.text(`#heartbeats tr[data-heartbeat="e2e-console"] .hb`); s != "waiting for the first" {
		t.Errorf("the heartbeat before any arrival is %q", s)
	}

	g.ingest("alertmanager", amToken, amBody("firing", g.now(), labels("alertname", "E2EConsoleDown", "severity", "critical", "service", "checkout", "instance", "web-1")), nil)
	// The board refreshes itself; call its refresh rather than wait for
	// the timer, which is the same code.
	b.waitUntil("the incident on the Now board", `(window.alertgateRefresh(), !!document.querySelector('#board a[data-rowlink]') && document.querySelector('#board').textContent.includes('E2EConsoleDown'))`)
	b.screenshot("now")
	if s := b.text(`#heartbeats tr[data-heartbeat="e2e-console"]`); !strings.Contains(s, "<1m ago") || b.text(`#heartbeats tr[data-heartbeat="e2e-console"] .hb`) != "ok" {
		t.Errorf("the heartbeat after its alert arrived reads %q, want ok and just arrived", s)
	}
	var row struct{ Href, Text string }
	row = eval[struct{ Href, Text string }](b, `(() => { const a = document.querySelector('#board a[data-rowlink]'); return {Href: a.getAttribute('href'), Text: a.textContent}; })()`)
	id := strings.TrimPrefix(row.Href, "/incidents/")

	// Keyboard: j focuses the first row, Enter opens it.
	b.do("open the incident with the keyboard", chromedp.KeyEvent("j"), chromedp.KeyEvent("\r"), chromedp.WaitVisible(chromedp.CSS("#timeline")))
	if got := b.text("#incident-id"); got != id {
		t.Fatalf("incident page shows %q, want %q", got, id)
	}
	b.screenshot("incident")

	b.do("acknowledge", chromedp.Click(chromedp.CSS("#ack")), chromedp.WaitVisible(chromedp.CSS(".flash")))
	if s := b.text("#acked"); !strings.Contains(s, "Hanako") {
		t.Errorf("acknowledged shows %q, want Hanako", s)
	}
	if s := b.text("#timeline"); !strings.Contains(s, "acknowledged") || !strings.Contains(s, "Hanako") {
		t.Errorf("timeline %q does not show the acknowledgement by Hanako", s)
	}
	waitFor(t, "PagerDuty told of the acknowledgement", func() (bool, string) {
		for _, e := range w.pd.Events() {
			if e.Action == "acknowledge" {
				return true, ""
			}
		}
		return false, fmt.Sprintf("%d events, none an acknowledge", len(w.pd.Events()))
	})

	b.do("silence from the incident", chromedp.Click(chromedp.CSS("#silence")), chromedp.WaitVisible(chromedp.CSS("#matchers")))
	if m := eval[string](b, `document.querySelector('#matchers').value`); !strings.Contains(m, `alertname="E2EConsoleDown"`) {
		t.Errorf("silence form prefilled with %q, want the incident's group labels", m)
	}
	b.do("preview the silence", chromedp.Click(chromedp.CSS("#preview")), chromedp.WaitVisible(chromedp.CSS("#preview-result")))
	if s := b.text("#preview-result"); !strings.Contains(s, "E2EConsoleDown") || !strings.Contains(s, id) {
		t.Errorf("preview %q does not list the firing alert of %s", s, id)
	}
	b.screenshot("silences-preview")
	b.do("create the silence", chromedp.Click(chromedp.CSS("#create")), chromedp.WaitVisible(chromedp.CSS(".flash")))
	if s := b.text(".silences"); !strings.Contains(s, "active") || !strings.Contains(s, "Hanako") {
		t.Errorf("silences list %q, want Hanako's active silence", s)
	}
	b.screenshot("silences")

	pagesBefore := len(w.pd.Events())
	g.ingest("alertmanager", amToken, amBody("firing", g.now(), labels("alertname", "E2EConsoleDown", "severity", "critical", "service", "checkout", "instance", "web-2")), nil)
	g.advance(61 * time.Second)
	waitFor(t, "the next alert muted by the console's silence", func() (bool, string) {
		n := g.metric("alertgate_alerts_muted_total", "reason", "silenced")
		return n >= 1, fmt.Sprintf("muted{silenced} = %v", n)
	})
	w.settle(g)
	if n := len(w.pd.Events()); n != pagesBefore {
		t.Errorf("PagerDuty got %d more events for a silenced alert", n-pagesBefore)
	}
	b.do("back to the incident", chromedp.Navigate(g.url+"/incidents/"+id), chromedp.WaitVisible(chromedp.CSS("#timeline")))
	if s := b.text("#timeline"); !strings.Contains(s, "silenced") {
		t.Errorf("timeline %q does not show the silence", s)
	}

	b.do("draft the postmortem in Japanese", chromedp.Click(chromedp.CSS("#draft-postmortem-ja")), chromedp.WaitVisible(chromedp.CSS("#draft-text")))
	if s := b.text("#draft-text"); !strings.Contains(s, id) && !strings.Contains(s, "E2EConsoleDown") {
		t.Errorf("postmortem draft %q names neither the incident nor its alert", s)
	}
	b.screenshot("postmortem-ja")

	b.do("open the noise page", chromedp.Navigate(g.url+"/noise?since=1d"), chromedp.WaitVisible(chromedp.CSS("#chart-sounds canvas")))
	b.waitUntil("the charts drawn", `(window.alertgateCharts || []).length === 3`)
	points := eval[float64](b, `window.alertgateCharts.find(c => c.alertgateID === 'sounds').alertgateRaw.flat().reduce((a, v) => a + (v || 0), 0)`)
	if points < 2 {
		t.Errorf("the notifications chart has %v notifications, want the page and the Slack message at least", points)
	}
	if s := b.text("#h-chronic-incidents"); s != "Chronic incidents (noise policy)" {
		t.Errorf("the noise page's chronic incidents are headed %q", s)
	}
	b.screenshot("noise")

	b.do("explain a route",
		chromedp.Navigate(g.url+"/routing"),
		chromedp.SendKeys(chromedp.CSS("#labels"), "alertname=E2EDiskFull severity=critical"),
		chromedp.Submit(chromedp.CSS("#labels")),
		chromedp.WaitVisible(chromedp.CSS("#explanation")),
	)
	if s := b.text("#explanation"); !strings.Contains(s, "oncall") {
		t.Errorf("explanation %q does not route a critical alert to oncall", s)
	}
	b.screenshot("routing")

	trace := filepath.Join(t.TempDir(), "trace.jsonl")
	writeTrace(t, trace, g.now())
	proposed := strings.Replace(w.config(setup{}), `- matchers: ['severity="critical"']
      receiver: oncall`, `- matchers: ['severity="critical"']
      receiver: team`, 1)
	b.do("compare a configuration",
		chromedp.Navigate(g.url+"/whatif"),
		chromedp.SetValue(chromedp.CSS("#config"), proposed),
		chromedp.SetUploadFiles(chromedp.CSS(`input[name=trace_file]`), []string{trace}),
		chromedp.Click(chromedp.CSS("#run")),
		chromedp.WaitVisible(chromedp.CSS("#compare")),
	)
	if before, after := b.text("#pages-before"), b.text("#pages-after"); before != "1" || after != "0" {
		t.Errorf("pages %s → %s, want 1 → 0 once critical alerts go to Slack only", before, after)
	}
	b.screenshot("whatif")

	b.do("read the board on a phone", phone(), chromedp.Navigate(g.url+"/?status=acked"), chromedp.WaitVisible(chromedp.CSS("#board")))
	if wide := eval[bool](b, `document.documentElement.scrollWidth > window.innerWidth + 1`); wide {
		t.Error("the Now page scrolls sideways on a phone")
	}
	b.screenshot("now-phone")
	b.do("read the incident on a phone", chromedp.Navigate(g.url+"/incidents/"+id), chromedp.WaitVisible(chromedp.CSS("#timeline")))
	b.screenshot("incident-phone")
	b.do("back to the desktop", desktop())

	b.do("read without JavaScript", scripts(false), chromedp.Navigate(g.url+"/?status=acked"), chromedp.WaitVisible(chromedp.CSS("#board")))
	if s := b.text("#board"); !strings.Contains(s, "E2EConsoleDown") {
		t.Errorf("without JavaScript the board reads %q", s)
	}
	if s := b.text("#heartbeats"); !strings.Contains(s, "e2e-console") {
		t.Errorf("without JavaScript the heartbeats read %q", s)
	}
	b.do("read the noise page without JavaScript", chromedp.Navigate(g.url+"/noise?since=1d"), chromedp.WaitVisible(chromedp.CSS("#h-sounds")))
	if n := eval[int](b, `document.querySelectorAll('.chart-box table tbody tr').length`); n == 0 {
		t.Error("without JavaScript the noise page has no data tables")
	}
	b.do("scripts back on", scripts(true))

	// Seven hours on, the incident still fires: chronic by the noise
	// policy (route.noise.chronic.after, 6h by default), it is listed on
	// the Noise page and its digest goes to #oncall on demand.
	g.advance(7 * time.Hour)
	g.ingest("alertmanager", amToken, amBody("firing", g.now(), labels("alertname", "E2EConsoleDown", "severity", "critical", "service", "checkout", "instance", "web-1")), nil)
	w.settle(g)
	chronicRow := `#chronic-incidents tr[data-incident="` + id + `"]`
	b.do("read the chronic incidents on a phone", phone(), chromedp.Navigate(g.url+"/noise?since=1d"), chromedp.WaitVisible(chromedp.CSS(chronicRow)))
	if s := b.text(chronicRow); !strings.Contains(s, "E2EConsoleDown") || !strings.Contains(s, "7h") {
		t.Errorf("the chronic incident reads %q, want its alert and age", s)
	}
	if wide := eval[bool](b, `document.documentElement.scrollWidth > window.innerWidth + 1`); wide {
		t.Error("the Noise page scrolls sideways on a phone")
	}
	b.screenshot("noise-chronic-phone")
	b.do("send the chronic digest now", desktop(), chromedp.Click(chromedp.CSS(`button[data-digest="oncall"]`)), chromedp.WaitVisible(chromedp.CSS(".flash")))
	if s := b.text(".flash"); s != "Chronic digest of oncall sent by Hanako: 1 chronic incident." {
		t.Errorf("after sending the digest the page says %q", s)
	}
	waitFor(t, "the chronic digest in #oncall", func() (bool, string) {
		msgs := w.slack.Messages("#oncall")
		for _, m := range msgs {
			if strings.Contains(m.Text, "1 chronic incident") && strings.Contains(m.Text, "E2EConsoleDown") {
				return true, ""
			}
		}
		return false, fmt.Sprintf("%d messages in #oncall, none a chronic digest", len(msgs))
	})
}

// TestConsole_BadInputIsRefusedWithAClearErrorAndChangesNothing posts
// what a careless or hostile browser might: a forged form token, a
// malformed matcher, an oversized upload, an unknown incident, and a
// session from yesterday.
func TestConsole_BadInputIsRefusedWithAClearErrorAndChangesNothing(t *testing.T) {
	b := newBrowser(t)
	w := newWorld(t)
	g := w.start("alertgate", setup{server: "  console: {max_upload_bytes: 4096, session_ttl: 1h}"})
	b.do("sign in",
		chromedp.Navigate(g.url+"/login"),
		chromedp.SendKeys(chromedp.CSS("#name"), "Taro"),
		chromedp.SendKeys(chromedp.CSS("#token"), adminToken),
		chromedp.Submit(chromedp.CSS("#token")),
		chromedp.WaitVisible(chromedp.CSS("#board")),
	)

	b.do("forge the form token",
		chromedp.Navigate(g.url+"/silences"),
		chromedp.SetValue(chromedp.CSS("#matchers"), `alertname="Forged"`),
		chromedp.SetValue(chromedp.CSS(`.silence-form input[name=csrf]`), "forged"),
		chromedp.Click(chromedp.CSS("#create")),
		chromedp.WaitVisible(chromedp.CSS(".problem")),
	)
	if s := b.text(".problem"); !strings.Contains(s, "security token") {
		t.Errorf("forged token answered %q", s)
	}
	b.screenshot("bad-csrf")

	b.do("a malformed matcher",
		chromedp.Navigate(g.url+"/silences"),
		chromedp.SetValue(chromedp.CSS("#matchers"), `alertname=~"(unclosed`),
		chromedp.Click(chromedp.CSS("#create")),
		chromedp.WaitVisible(chromedp.CSS("#error")),
	)
	if s := b.text("#error"); !strings.Contains(s, "Matchers") {
		t.Errorf("malformed matcher answered %q", s)
	}
	if inv := eval[string](b, `document.querySelector('#matchers').getAttribute('aria-invalid')`); inv != "true" {
		t.Error("the matchers field is not marked invalid")
	}
	var list []any
	g.admin(http.MethodGet, "/api/v1/silences", nil, http.StatusOK, &list)
	if len(list) != 0 {
		t.Errorf("%d silences stored after refused forms, want none", len(list))
	}

	big := filepath.Join(t.TempDir(), "big.jsonl")
	if err := os.WriteFile(big, []byte(strings.Repeat("x", 8192)), 0o600); err != nil {
		t.Fatal(err)
	}
	b.do("an oversized upload",
		chromedp.Navigate(g.url+"/whatif"),
		chromedp.SetValue(chromedp.CSS("#config"), "route: {receiver: x}"),
		chromedp.SetUploadFiles(chromedp.CSS(`input[name=trace_file]`), []string{big}),
		chromedp.Click(chromedp.CSS("#run")),
		chromedp.WaitVisible(chromedp.CSS(".problem")),
	)
	if s := b.text(".problem"); !strings.Contains(s, "larger than 4096 bytes") {
		t.Errorf("oversized upload answered %q", s)
	}

	b.do("an unknown incident", chromedp.Navigate(g.url+"/incidents/no-such-incident"), chromedp.WaitVisible(chromedp.CSS(".problem")))
	if s := b.text(".problem"); !strings.Contains(s, "no-such-incident") {
		t.Errorf("unknown incident answered %q", s)
	}

	g.advance(2 * time.Hour)
	b.do("a session past its TTL", chromedp.Navigate(g.url+"/silences"), chromedp.WaitVisible(chromedp.CSS("#token")))
	if s := b.text("#error"); !strings.Contains(s, "expired") {
		t.Errorf("an expired session answered %q, want a login saying it expired", s)
	}
}

// writeTrace writes a one-alert trace (what serve --record writes): a
// critical alert, which the test configuration pages for.
func writeTrace(t *testing.T, path string, at time.Time) {
	t.Helper()
	body := amBody("firing", at.Add(-time.Hour), labels("alertname", "E2EWhatIf", "severity", "critical"))
	line, err := json.Marshal(map[string]any{"at": at.Add(-time.Hour).UTC(), "source": "alertmanager", "body": json.RawMessage(body)})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, append(line, '\n'), 0o600); err != nil {
		t.Fatal(err)
	}
}

// cli runs the alertgate command line against g with the admin token in
// the environment and returns its output and exit code.
func cli(t *testing.T, g *gate, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(binary, append(args, "--url", g.url)...)
	cmd.Env = processEnv(map[string]string{"ALERTGATE_ADMIN_TOKEN": adminToken, "USER": "cli-user"})
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		return string(out), exit.ExitCode()
	case err != nil:
		t.Fatalf("alertgate %v: %v", args, err)
	}
	return string(out), 0
}

// TestOneIncidentID_SlackPagerDutyLogConsoleCLIAndPostmortemAgree checks
// that one incident is named by one ID everywhere a person meets it, and
// that every notification links to its console page.
func TestOneIncidentID_SlackPagerDutyLogConsoleCLIAndPostmortemAgree(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	g := w.start("alertgate", setup{server: "  external_url: " + consoleURL + "/"})
	g.ingest("alertmanager", amToken, amBody("firing", g.now(), labels("alertname", "E2EOneID", "severity", "critical")), nil)
	waitFor(t, "the page and the Slack message", func() (bool, string) {
		return len(w.pd.Events()) == 1 && len(w.slack.Messages("#oncall")) == 1, "not yet"
	})
	var id string
	for _, r := range g.logRecords("incident flushed") {
		id, _ = r["incident"].(string)
	}
	if id == "" {
		t.Fatal("no incident= in the log")
	}
	page := consoleURL + "/incidents/" + id

	ev := w.pd.Events()[0]
	if got := ev.Payload.CustomDetails["incident"]; got != id {
		t.Errorf("PagerDuty custom_details.incident = %v, want %s", got, id)
	}
	if ev.ClientURL != page || len(ev.Links) == 0 || ev.Links[0].Href != page {
		t.Errorf("PagerDuty client_url %q links %+v, want the console page %s", ev.ClientURL, ev.Links, page)
	}
	if text := slackText(w.slack.Messages("#oncall")[0]); !strings.Contains(text, page) {
		t.Errorf("the Slack message does not link %s:\n%s", page, text)
	}

	for _, path := range []string{"/api/v1/incidents/" + id, "/api/v1/incidents/" + id + "/postmortem", "/api/v1/incidents/" + ev.DedupKey} {
		code, b := g.mustDo(http.MethodGet, path, adminToken, nil, nil)
		if code != http.StatusOK || !strings.Contains(string(b), id) {
			t.Errorf("GET %s = %d, want 200 naming %s: %.300s", path, code, id, b)
		}
	}

	if out, code := cli(t, g, "incidents", "ls"); code != 0 || !strings.Contains(out, id) || !strings.Contains(out, "E2EOneID") {
		t.Errorf("alertgate incidents ls = %d:\n%s", code, out)
	}
	if out, code := cli(t, g, "ack", id); code != 0 || !strings.Contains(out, "acknowledged "+id+" by cli-user") {
		t.Errorf("alertgate ack = %d: %s", code, out)
	}
	out, code := cli(t, g, "incidents", "show", id)
	if code != 0 || !strings.Contains(out, id) || !strings.Contains(out, "acknowledged") || !strings.Contains(out, "cli-user") {
		t.Errorf("alertgate incidents show = %d:\n%s", code, out)
	}
	if out, code := cli(t, g, "ack", "no-such-incident"); code != 1 || !strings.Contains(out, "no incident no-such-incident") {
		t.Errorf("alertgate ack of an unknown incident = %d: %s", code, out)
	}

	out, code = cli(t, g, "silence", "add", `alertname="E2EOneID"`, "--duration", "1h", "--comment", "deploy")
	if code != 0 {
		t.Fatalf("alertgate silence add = %d: %s", code, out)
	}
	sid := strings.TrimSpace(out)
	if out, code := cli(t, g, "silence", "ls"); code != 0 || !strings.Contains(out, sid) || !strings.Contains(out, "active") || !strings.Contains(out, "cli-user") {
		t.Errorf("alertgate silence ls = %d:\n%s", code, out)
	}
	if out, code := cli(t, g, "silence", "expire", sid); code != 0 || !strings.Contains(out, "expired "+sid) {
		t.Errorf("alertgate silence expire = %d: %s", code, out)
	}
	if out, code := cli(t, g, "silence", "add", `alertname=~"(broken"`); code != 1 || !strings.Contains(out, "matchers") {
		t.Errorf("alertgate silence add with a malformed matcher = %d: %s", code, out)
	}
	if out, code := cli(t, g, "silence", "add"); code != 2 {
		t.Errorf("alertgate silence add without matchers = %d, want the usage error 2: %s", code, out)
	}
}
