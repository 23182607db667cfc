package console

import (
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/alertgate/alertgate/router/notify/slack/slacktest"
	"github.com/alertgate/alertgate/router/store"
	"github.com/alertgate/alertgate/router/store/memory"
	"github.com/alertgate/alertgate/router/store/redis"
	"github.com/alertgate/alertgate/router/store/redis/redistest"
)

const slackToken = "xoxb-console-test"

// chronicConfig is testConfig's console with its receivers posting to a
// fake Slack, and incidents chronic after six hours of firing (the
// harness starts on Wednesday 4 March 2026, 14:00 in Tokyo; the chronic
// digest goes out when business hours start, Thursday 10:00).
func chronicConfig(slackURL string) string {
	return `
server:
  admin_token: adm-token
  external_url: https://alertgate.test.example
  console: {viewer_token: view-token}
sources:
  alertmanager: {token: am-token}
  newrelic: {disabled: true}
  cloudwatch: {disabled: true}
notify:
  slack: {api_url: "` + slackURL + `", token: ` + slackToken + `, per_channel_interval: 1ms}
business_hours: {location: Asia/Tokyo, holidays: jp}
receivers:
  - name: team
    slack: {channel: "#team"}
  - name: oncall
    slack: {channel: "#oncall"}
route:
  receiver: team
  group_by: [alertname]
  group_wait: 0s
  group_interval: 5m
  noise:
    chronic: {after: 6h}
  routes:
    - matchers: ['severity="critical"']
      receiver: oncall
`
}

// chronicSection returns the text of the Noise page's chronic incidents
// of receiver, "" if it lists none for it.
func chronicSection(body, receiver string) string {
	m := regexp.MustCompile(`(?s)<div class="chronic" data-receiver="` + regexp.QuoteMeta(receiver) + `">(.*?)</div>\s*(?:<div class="chronic"|<p|</section>)`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return strings.TrimSpace(spaces.ReplaceAllString(html.UnescapeString(tags.ReplaceAllString(m[1], " ")), " "))
}

func TestConsole_ChronicIncidentsAreListedAndTheirDigestSentOnDemand(t *testing.T) {
	for _, name := range []string{"memory", "redis"} {
		t.Run(name, func(t *testing.T) {
			sl := slacktest.New(t, slackToken, "#team", "#oncall")
			h := newHarnessOn(t, chronicConfig(sl.APIURL()), newStore(t, name))
			testChronicDigestOnDemand(t, h, sl)
		})
	}
}

func testChronicDigestOnDemand(t *testing.T, h *harness, sl *slacktest.Server) {
	disk := map[string]string{"alertname": "DiskFilling", "severity": "warning", "owner": "storage-team", "instance": "db-1"}
	body := strings.Replace(string(amAlert("firing", h.now(), disk)), `"annotations":{"summary":"s"}`,
		`"annotations":{"summary":"The data disk of db-1 fills up","runbook_url":"https://runbooks.example/disk"}`, 1)
	h.ingest([]byte(body))
	h.deliver()
	if n := len(sl.Messages("#team")); n != 1 {
		t.Fatalf("the new warning made %d messages in #team, want 1", n)
	}

	viewer, op := browserClient(t), browserClient(t)
	h.login(viewer, "Yui", "view-token")
	h.login(op, "Hanako", "adm-token")
	code, page, _ := h.page(viewer, "/noise")
	if code != http.StatusOK || !strings.Contains(page, `<h2 id="h-chronic-incidents">Chronic incidents <small>(noise policy)</small></h2>`) ||
		!strings.Contains(page, "No incident is chronic now.") || !strings.Contains(page, `<h2 id="h-chronic">Chronic alerts <small>(report:`) {
		t.Fatalf("GET /noise before anything is chronic: %d %.2000s", code, page)
	}

	// Seven hours later (21:00 in Tokyo) it still fires, as Alertmanager
	// says again: chronic, and quiet until Thursday's digest.
	h.advance(7 * time.Hour)
	h.ingest([]byte(body))
	h.deliver()
	id := h.incidentOf("DiskFilling")
	_, page, vcsrf := h.page(viewer, "/noise")
	row := chronicSection(page, "team")
	for _, want := range []string{"team 1 chronic", "DiskFilling", id, "warning", "1 firing", "7h", "storage-team", "runbook"} {
		if !strings.Contains(row, want) {
			t.Errorf("the viewer's chronic incidents of team read %q, want %q in them", row, want)
		}
	}
	if !strings.Contains(page, `href="/incidents/`+id+`"`) || !strings.Contains(page, `href="https://runbooks.example/disk"`) {
		t.Errorf("no link to the incident or its runbook: %.3000s", page)
	}
	if strings.Contains(page, "Send digest now") || !strings.Contains(page, "needs the operator role") {
		t.Error("a viewer is offered the Send digest now button")
	}
	if chronicSection(page, "oncall") != "" {
		t.Error("oncall, with nothing chronic, is listed")
	}
	sent := len(sl.Messages("#team"))

	send := func(c *http.Client, csrf, receiver string) (int, string, string) {
		return h.form(c, "/noise/chronic-digest", url.Values{"csrf": {csrf}, "receiver": {receiver}, "since": {"7d"}})
	}
	if code, body, _ := send(viewer, vcsrf, "team"); code != http.StatusForbidden || !strings.Contains(body, "operator role") {
		t.Errorf("a viewer sending the digest: %d %.300s", code, body)
	}
	_, page, ocsrf := h.page(op, "/noise")
	if !strings.Contains(page, `data-digest="team"`) {
		t.Fatalf("the operator has no Send digest now button for team: %.3000s", page)
	}
	for _, forged := range []string{vcsrf, "forged"} {
		if code, body, _ := send(op, forged, "team"); code != http.StatusForbidden || !strings.Contains(body, "security token") {
			t.Errorf("a digest with the form token %q: %d %.300s", forged, code, body)
		}
	}
	if code, body, _ := send(op, ocsrf, "nobody"); code != http.StatusNotFound || !strings.Contains(body, "There is no receiver nobody") {
		t.Errorf("a digest to an unknown receiver: %d %.300s", code, body)
	}
	h.deliver()
	if n := len(sl.Messages("#team")); n != sent {
		t.Fatalf("refused forms sent %d messages to #team", n-sent)
	}

	code, _, loc := send(op, ocsrf, "team")
	if code != http.StatusSeeOther || loc != "/noise?since=7d#chronic-incidents" {
		t.Fatalf("Send digest now: %d to %q", code, loc)
	}
	if _, page, _ = h.page(op, loc); !strings.Contains(page, "Chronic digest of team sent by Hanako: 1 chronic incident.") {
		t.Errorf("the Noise page after sending does not say so: %.1500s", page)
	}
	h.deliver()
	msgs := sl.Messages("#team")
	if len(msgs) != sent+1 {
		t.Fatalf("#team has %d messages after the digest, want %d", len(msgs), sent+1)
	}
	if text := msgs[len(msgs)-1].Text; text != "🗂 1 chronic incident: DiskFilling" {
		t.Errorf("the digest's text is %q", text)
	}
	digest := strings.Join(msgs[len(msgs)-1].Strings(), "\n")
	for _, want := range []string{"DiskFilling", "storage-team", "https://runbooks.example/disk"} {
		if !strings.Contains(digest, want) {
			t.Errorf("the digest in #team reads %q, want %q in it", digest, want)
		}
	}
	for _, c := range sl.Calls() {
		if c.Status != http.StatusOK || c.Error != "" {
			t.Errorf("Slack refused %s: %d %s", c.Method, c.Status, c.Error)
		}
	}
	if n := len(sl.Messages("#oncall")); n != 0 {
		t.Errorf("#oncall got %d messages, want none", n)
	}

	var audit []string
	for _, l := range h.logLines("audit") {
		if l["action"] == "chronic-digest" {
			audit = append(audit, l["user"].(string)+" "+l["target"].(string)+" "+l["result"].(string))
		}
	}
	want := []string{`Hanako nobody chronic digest: no such receiver: "nobody"`, "Hanako team ok"}
	if !slices.Equal(audit, want) {
		t.Errorf("audit of chronic digests %q, want %q", audit, want)
	}
}

// newStore is a store of the named backend: memory, or redis on a
// redis-server of its own.
func newStore(t testing.TB, backend string) store.Store {
	if backend == "memory" {
		return memory.New(store.Options{})
	}
	client, err := redis.NewClient(redis.Config{Address: redistest.Start(t).Addr()})
	if err != nil {
		t.Fatal(err)
	}
	s := redis.New(client, "console:", store.Options{})
	t.Cleanup(func() { s.Close() })
	return s
}

// BenchmarkNoisePage measures the Noise page's server time with 5,000
// open incidents, each one alert (the chronic incidents section reads
// every open incident's group), on the memory store and on a real Redis.
func BenchmarkNoisePage(b *testing.B) {
	for _, backend := range []string{"memory", "redis"} {
		b.Run(backend+"/5000openIncidents", func(b *testing.B) {
			h := newHarnessOn(b, testConfig, newStore(b, backend))
			fillOpenAlerts(b, h, 5000, 1)
			cookie := sessionFor(b, h)
			for b.Loop() {
				req := httptest.NewRequest(http.MethodGet, "/noise?since=1d", nil)
				req.AddCookie(cookie)
				rec := httptest.NewRecorder()
				h.mux.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("GET /noise = %d", rec.Code)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/page")
		})
	}
}
