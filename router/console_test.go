package router

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/alertgate/alertgate/config"
	"github.com/alertgate/alertgate/internal/logbuf"
	"github.com/alertgate/alertgate/router/store"
	"github.com/alertgate/alertgate/router/store/memory"
	"github.com/alertgate/alertgate/router/store/redis"
	"github.com/alertgate/alertgate/router/store/redis/redistest"
	"github.com/alertgate/alertgate/web/session"
)

// consoleConfig is testConfig with the admin API and the console on, and
// a viewer token.
const consoleConfig = `
server:
  admin_token: adm-token
  external_url: https://alertgate.test.example
  console: {viewer_token: view-token}
` + testConfig

// browserClient is a client with a cookie jar that does not follow
// redirects, like a browser session the test inspects step by step.
func browserClient(t testing.TB) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// page GETs path and returns status, body and the page's form token.
func (h *harness) page(c *http.Client, path string) (int, string, string) {
	h.t.Helper()
	resp, err := c.Get(h.srv.URL + path)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	token := ""
	if m := csrfField.FindStringSubmatch(string(b)); m != nil {
		token = m[1]
	}
	return resp.StatusCode, string(b), token
}

// form posts a form and returns status, body and the redirect location.
func (h *harness) form(c *http.Client, path string, v url.Values) (int, string, string) {
	h.t.Helper()
	resp, err := c.PostForm(h.srv.URL+path, v)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header.Get("Location")
}

// login signs c in with token as name.
func (h *harness) login(c *http.Client, name, token string) {
	h.t.Helper()
	_, _, csrf := h.page(c, "/login")
	code, body, loc := h.form(c, "/login", url.Values{"csrf": {csrf}, "name": {name}, "token": {token}, "next": {"/"}})
	if code != http.StatusSeeOther || loc != "/" {
		h.t.Fatalf("login as %s: %d %s %.300s", name, code, loc, body)
	}
}

// openIncident ingests a critical alert, flushes it and returns the
// incident's ID.
func (h *harness) openIncident(name string) string {
	h.t.Helper()
	h.post(amPath, "am-token", amAlert("firing", h.now(), map[string]string{"alertname": name, "severity": "critical"}))
	h.deliver()
	var list []struct {
		ID     string
		Labels map[string]string
	}
	code, b := h.get("/api/v1/incidents", "adm-token")
	if err := json.Unmarshal(b, &list); code != http.StatusOK || err != nil {
		h.t.Fatalf("incidents: %d %s", code, b)
	}
	for _, in := range list {
		if in.Labels["alertname"] == name {
			return in.ID
		}
	}
	h.t.Fatalf("no incident for %s in %s", name, b)
	return ""
}

func (h *harness) get(path, token string) (int, []byte) {
	h.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, h.srv.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func TestConsole_LoginRolesAndCSRF(t *testing.T) {
	h := newHarness(t, consoleConfig, nil)
	id := h.openIncident("ConsoleRoles")

	anon := browserClient(t)
	if code, _, _ := h.page(anon, "/"); code != http.StatusSeeOther {
		t.Errorf("anonymous GET / = %d, want a redirect to the login", code)
	}
	_, _, csrf := h.page(anon, "/login")
	if code, body, _ := h.form(anon, "/login", url.Values{"csrf": {csrf}, "name": {"mallory"}, "token": {"guess"}}); code != http.StatusUnauthorized || !strings.Contains(body, "not the admin token") {
		t.Errorf("wrong token: %d %.200s", code, body)
	}
	if code, body, _ := h.form(anon, "/login", url.Values{"csrf": {csrf}, "name": {""}, "token": {"adm-token"}}); code != http.StatusBadRequest || !strings.Contains(body, `aria-invalid="true"`) {
		t.Errorf("no name: %d %.200s", code, body)
	}
	if code, _, _ := h.form(anon, "/login", url.Values{"csrf": {"forged"}, "name": {"x"}, "token": {"adm-token"}}); code != http.StatusForbidden {
		t.Errorf("login with a forged token: %d, want 403", code)
	}

	viewer := browserClient(t)
	h.login(viewer, "Yui", "view-token")
	code, body, vcsrf := h.page(viewer, "/incidents/"+id)
	if code != http.StatusOK || strings.Contains(body, `id="ack"`) {
		t.Errorf("viewer's incident page: %d, has the acknowledge button: %v", code, strings.Contains(body, `id="ack"`))
	}
	if code, body, _ := h.form(viewer, "/incidents/"+id+"/ack", url.Values{"csrf": {vcsrf}}); code != http.StatusForbidden || !strings.Contains(body, "operator role") {
		t.Errorf("viewer acknowledging: %d %.200s", code, body)
	}

	op := browserClient(t)
	h.login(op, "Hanako", "adm-token")
	_, _, ocsrf := h.page(op, "/incidents/"+id)
	if code, body, _ := h.form(op, "/incidents/"+id+"/ack", url.Values{"csrf": {vcsrf}}); code != http.StatusForbidden || !strings.Contains(body, "security token") {
		t.Errorf("another browser's form token: %d %.200s", code, body)
	}
	if code, _, loc := h.form(op, "/incidents/"+id+"/ack", url.Values{"csrf": {ocsrf}}); code != http.StatusSeeOther || loc != "/incidents/"+id {
		t.Fatalf("acknowledge: %d %s", code, loc)
	}
	_, body, _ = h.page(op, "/incidents/"+id)
	if !strings.Contains(body, "Hanako at") || !strings.Contains(body, "Acknowledged by Hanako.") {
		t.Errorf("incident page after the acknowledgement does not name Hanako, or says nothing of it")
	}
	if _, body, _ = h.page(op, "/incidents/"+id); strings.Contains(body, "Acknowledged by Hanako.") {
		t.Errorf("the message of the last form shows again on the next page")
	}
	audit := h.logLines("audit")
	if len(audit) == 0 || audit[len(audit)-1]["user"] != "Hanako" || audit[len(audit)-1]["action"] != "acknowledge" {
		t.Errorf("audit log %v, want Hanako's acknowledgement last", audit)
	}
	if code, _, _ := h.form(op, "/incidents/no-such/ack", url.Values{"csrf": {ocsrf}}); code != http.StatusNotFound {
		t.Errorf("acknowledging an unknown incident: %d, want 404", code)
	}
	req, _ := http.NewRequest(http.MethodGet, h.srv.URL+"/", nil)
	req.Header.Set("X-Console-Fragment", "board")
	resp, err := anon.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("live refresh without a session = %d, want 401", resp.StatusCode)
	}
}

func TestConsole_SilenceFormValidatesEverythingBeforeStoring(t *testing.T) {
	h := newHarness(t, consoleConfig, nil)
	id := h.openIncident("ConsoleSilence")
	c := browserClient(t)
	h.login(c, "Hanako", "adm-token")
	_, _, csrf := h.page(c, "/silences")
	tests := []struct {
		name  string
		form  url.Values
		code  int
		field string
	}{
		{"malformed matcher", url.Values{"matchers": {`alertname=~"(x"`}, "duration": {"1h"}}, 400, "matchers"},
		{"no matcher", url.Values{"matchers": {" "}, "duration": {"1h"}}, 400, "matchers"},
		{"bad duration", url.Values{"matchers": {`alertname="A"`}, "duration": {"soon"}}, 400, "duration"},
		{"too long", url.Values{"matchers": {`alertname="A"`}, "duration": {"100d"}}, 400, "endsAt"},
		{"unknown incident", url.Values{"matchers": {`alertname="A"`}, "duration": {"1h"}, "incident": {"nope"}}, 400, "incident"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.form.Set("csrf", csrf)
			tt.form.Set("action", "create")
			code, body, _ := h.form(c, "/silences", tt.form)
			if code != tt.code || !strings.Contains(body, `role="alert"`) {
				t.Errorf("%d, want %d with an error message: %.300s", code, tt.code, body)
			}
			if !strings.Contains(body, `aria-invalid="true"`) && tt.field != "endsAt" && tt.field != "incident" {
				t.Errorf("field %s not marked invalid", tt.field)
			}
		})
	}
	var list []any
	if code, b := h.get("/api/v1/silences", "adm-token"); code != 200 || json.Unmarshal(b, &list) != nil || len(list) != 0 {
		t.Fatalf("silences after refused forms: %d %s", code, b)
	}
	code, body, _ := h.form(c, "/silences", url.Values{"csrf": {csrf}, "action": {"preview"}, "matchers": {`{alertname="ConsoleSilence"}`}})
	if code != 200 || !strings.Contains(body, "Would mute 1") || !strings.Contains(body, id) {
		t.Errorf("preview: %d %.500s", code, body)
	}
	code, _, loc := h.form(c, "/silences", url.Values{"csrf": {csrf}, "action": {"create"}, "matchers": {`alertname="ConsoleSilence"`}, "duration": {"2h"}, "incident": {id}})
	if code != http.StatusSeeOther || loc != "/silences" {
		t.Fatalf("create: %d %s", code, loc)
	}
	_, b := h.get("/api/v1/incidents/"+id, "adm-token")
	if !strings.Contains(string(b), `"silenced"`) || !strings.Contains(string(b), "Hanako") {
		t.Errorf("the incident's timeline does not record Hanako's silence: %s", b)
	}
}

func TestConsole_DisabledAnswers404(t *testing.T) {
	h := newHarness(t, strings.Replace(consoleConfig, "console: {viewer_token: view-token}", "console: {disabled: true}", 1), nil)
	if code, _, _ := h.page(browserClient(t), "/login"); code != http.StatusNotFound {
		t.Errorf("GET /login with the console disabled = %d, want 404", code)
	}
}

// sessionFor returns a session cookie of an operator for h's console.
func sessionFor(t testing.TB, h *harness) *http.Cookie {
	rec := httptest.NewRecorder()
	h.rt.state.Load().console.sessions.Login(rec, session.User{Name: "bench", Role: config.RoleOperator, Via: session.ViaToken})
	return rec.Result().Cookies()[0]
}

// TestNowBoard_RowsCountTheAlertsOfEachIncidentWithoutReadingThem checks
// the Now board's rows on both stores: alerts firing of all, sources,
// the title of an incident recorded without one (silenced before anyone
// was told), and resolved incidents only under the resolved filter.
func TestNowBoard_RowsCountTheAlertsOfEachIncidentWithoutReadingThem(t *testing.T) {
	for _, name := range []string{"memory", "redis"} {
		t.Run(name, func(t *testing.T) {
			st := store.Store(memory.New(store.Options{}))
			if name == "redis" {
				client, err := redis.NewClient(redis.Config{Address: redistest.Start(t).Addr()})
				if err != nil {
					t.Fatal(err)
				}
				st = redis.New(client, "board:", store.Options{Partitions: 3})
				t.Cleanup(func() { st.Close() })
			}
			h := newReplica(t, consoleConfig, nil, st, &logbuf.Buffer{})
			c := browserClient(t)
			h.login(c, "alice", "adm-token")
			alerts := func(status string, specs ...[3]string) []byte { // alertname, instance, summary
				var out []string
				for _, s := range specs {
					out = append(out, fmt.Sprintf(`{"status":%q,"labels":{"alertname":%q,"instance":%q,"severity":"warning"},"annotations":{"summary":%q},"startsAt":%q}`,
						status, s[0], s[1], s[2], h.now().Add(-time.Minute).Format(time.RFC3339)))
				}
				return []byte(`{"version":"4","status":"` + status + `","alerts":[` + strings.Join(out, ",") + `]}`)
			}
			if code, resp := h.post("/api/v1/silences", "adm-token", []byte(`{"matchers":["alertname=\"Batch\""],"duration":"2h","createdBy":"alice"}`)); code != http.StatusCreated {
				t.Fatalf("silence: %d %v", code, resp)
			}
			h.post(amPath, "am-token", alerts("firing", [3]string{"Checkout", "a", "checkout a slow"}, [3]string{"Checkout", "b", "checkout b slow"}, [3]string{"Checkout", "c", "checkout c slow"}))
			h.post(amPath, "am-token", alerts("firing", [3]string{"Batch", "n", "nightly batch late"}))
			h.post(amPath, "am-token", alerts("firing", [3]string{"Gone", "g", "gone soon"}))
			h.deliver()
			h.advance(time.Minute)
			h.post(amPath, "am-token", alerts("resolved", [3]string{"Checkout", "b", "checkout b slow"}))
			h.post(amPath, "am-token", alerts("resolved", [3]string{"Gone", "g", "gone soon"}))
			h.advance(5 * time.Minute)
			h.deliver() // Checkout and Gone flush their resolutions: Gone is over
			h.post(amPath, "am-token", alerts("resolved", [3]string{"Checkout", "c", "checkout c slow"}))

			row := func(body, text string) string { // the board's row that holds text
				t.Helper()
				for r := range strings.SplitSeq(body, "<tr data-row") {
					if strings.Contains(r, text) {
						return r
					}
				}
				return ""
			}
			code, body, _ := h.page(c, "/")
			if code != http.StatusOK {
				t.Fatalf("GET / = %d", code)
			}
			if r := row(body, "checkout"); !strings.Contains(r, "1 firing of 2<") || !strings.Contains(r, ">alertmanager<") {
				t.Errorf("the Checkout row is %q; want 1 firing of 2 from alertmanager", r)
			}
			if r := row(body, ">nightly batch late</a>"); !strings.Contains(r, ">1 firing<") {
				t.Errorf("the silenced incident's row is %q; want its alert's summary as title and 1 firing", r)
			}
			if strings.Contains(body, "gone soon") {
				t.Errorf("a resolved incident is on the open board:\n%s", body)
			}
			_, resolved, _ := h.page(c, "/?status=resolved")
			if r := row(resolved, "gone soon"); r == "" || strings.Contains(resolved, "checkout") {
				t.Errorf("the resolved filter shows:\n%s", resolved)
			}
		})
	}
}

// BenchmarkNowPage measures the Now page's server time with 5,000 open
// alerts: each its own incident (the board lists the newest 100 of
// 5,000), or 100 to an incident (50 incidents); on the memory store and
// on a real Redis; cold (every page reads the store) and with the
// board's short cache shared by the consoles that refresh within
// boardTTL. The target is 200 ms.
func BenchmarkNowPage(b *testing.B) {
	stores := map[string]func(b *testing.B) store.Store{
		"memory": func(*testing.B) store.Store { return memory.New(store.Options{}) },
		"redis": func(b *testing.B) store.Store {
			client, err := redis.NewClient(redis.Config{Address: redistest.Start(b).Addr()})
			if err != nil {
				b.Fatal(err)
			}
			s := redis.New(client, "bench:", store.Options{})
			b.Cleanup(func() { s.Close() })
			return s
		},
	}
	for _, name := range []string{"memory", "redis"} {
		for _, perIncident := range []int{1, 100} {
			b.Run(fmt.Sprintf("%s/5000alerts_%dperIncident", name, perIncident), func(b *testing.B) {
				h := newReplica(b, consoleConfig, nil, stores[name](b), &logbuf.Buffer{})
				fillOpenAlerts(b, h, 5000, perIncident)
				cookie := sessionFor(b, h)
				for _, cache := range []string{"cold", "shared"} {
					b.Run(cache, func(b *testing.B) {
						for b.Loop() {
							if cache == "cold" {
								h.rt.board.clear()
							}
							req := httptest.NewRequest(http.MethodGet, "/", nil)
							req.AddCookie(cookie)
							rec := httptest.NewRecorder()
							h.rt.Handler().ServeHTTP(rec, req)
							if rec.Code != http.StatusOK {
								b.Fatalf("GET / = %d", rec.Code)
							}
						}
						b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/page")
					})
				}
			})
		}
	}
}

// fillOpenAlerts opens n firing alerts, perIncident to an incident, and
// flushes them so every incident is recorded.
func fillOpenAlerts(b *testing.B, h *harness, n, perIncident int) {
	b.Helper()
	t0 := h.now()
	for i := 0; i < n; i += 100 {
		var alerts []string
		for j := i; j < i+100 && j < n; j++ {
			alerts = append(alerts, fmt.Sprintf(`{"status":"firing","labels":{"alertname":"Bench%d","severity":"critical","instance":"host-%d","service":"svc-%d"},"annotations":{"summary":"bench alert %d"},"startsAt":%q}`,
				j/perIncident, j, j%7, j, t0.Add(-time.Minute).Format(time.RFC3339)))
		}
		body := `{"version":"4","status":"firing","alerts":[` + strings.Join(alerts, ",") + `]}`
		if code, resp := h.post(amPath, "am-token", []byte(body)); code != http.StatusOK {
			b.Fatalf("ingest: %d %v", code, resp)
		}
	}
	h.deliver()
	list, err := h.rt.opts.Store.Incidents(b.Context(), h.now(), t0.Add(-time.Hour), 2*n)
	if err != nil || len(list) != n/perIncident {
		b.Fatalf("%d open incidents (%v), want %d", len(list), err, n/perIncident)
	}
}

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
