package console

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/alertgate/alertgate/config"
	"github.com/alertgate/alertgate/incident"
	"github.com/alertgate/alertgate/router/store"
	"github.com/alertgate/alertgate/router/store/memory"
	"github.com/alertgate/alertgate/router/store/redis"
	"github.com/alertgate/alertgate/router/store/redis/redistest"
	"github.com/alertgate/alertgate/web/session"
)

func TestConsole_LoginRolesAndCSRF(t *testing.T) {
	h := newHarness(t, testConfig)
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
	h := newHarness(t, testConfig)
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
	if list, err := h.store.Silences(t.Context(), h.now()); err != nil || len(list) != 0 {
		t.Fatalf("silences after refused forms: %v %v", list, err)
	}
	code, body, _ := h.form(c, "/silences", url.Values{"csrf": {csrf}, "action": {"preview"}, "matchers": {`{alertname="ConsoleSilence"}`}})
	if code != 200 || !strings.Contains(body, "Would mute 1") || !strings.Contains(body, id) {
		t.Errorf("preview: %d %.500s", code, body)
	}
	code, _, loc := h.form(c, "/silences", url.Values{"csrf": {csrf}, "action": {"create"}, "matchers": {`alertname="ConsoleSilence"`}, "duration": {"2h"}, "incident": {id}})
	if code != http.StatusSeeOther || loc != "/silences" {
		t.Fatalf("create: %d %s", code, loc)
	}
	events := h.timeline(id)
	if !slices.ContainsFunc(events, func(e incident.Event) bool { return e.Type == incident.EventSilenced && e.Actor == "Hanako" }) {
		t.Errorf("the incident's timeline does not record Hanako's silence: %v", events)
	}
}

func TestConsole_DisabledAnswers404(t *testing.T) {
	h := newHarness(t, strings.Replace(testConfig, "console: {viewer_token: view-token}", "console: {disabled: true}", 1))
	if code, _, _ := h.page(browserClient(t), "/login"); code != http.StatusNotFound {
		t.Errorf("GET /login with the console disabled = %d, want 404", code)
	}
}

// sessionFor returns a session cookie of an operator for h's console.
func sessionFor(t testing.TB, h *harness) *http.Cookie {
	rec := httptest.NewRecorder()
	h.console.state.Load().sessions.Login(rec, session.User{Name: "bench", Role: config.RoleOperator, Via: session.ViaToken})
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
			h := newHarnessOn(t, testConfig, st)
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
			if err := st.SetSilence(t.Context(), incident.Silence{ID: "batch", Matchers: []string{`alertname="Batch"`}, StartsAt: h.now(), EndsAt: h.now().Add(2 * time.Hour), CreatedBy: "alice", CreatedAt: h.now()}); err != nil {
				t.Fatalf("silence: %v", err)
			}
			h.ingest(alerts("firing", [3]string{"Checkout", "a", "checkout a slow"}, [3]string{"Checkout", "b", "checkout b slow"}, [3]string{"Checkout", "c", "checkout c slow"}))
			h.ingest(alerts("firing", [3]string{"Batch", "n", "nightly batch late"}))
			h.ingest(alerts("firing", [3]string{"Gone", "g", "gone soon"}))
			h.deliver()
			h.advance(time.Minute)
			h.ingest(alerts("resolved", [3]string{"Checkout", "b", "checkout b slow"}))
			h.ingest(alerts("resolved", [3]string{"Gone", "g", "gone soon"}))
			h.advance(5 * time.Minute)
			h.deliver() // Checkout and Gone flush their resolutions: Gone is over
			h.ingest(alerts("resolved", [3]string{"Checkout", "c", "checkout c slow"}))

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
				h := newHarnessOn(b, testConfig, stores[name](b))
				fillOpenAlerts(b, h, 5000, perIncident)
				cookie := sessionFor(b, h)
				for _, cache := range []string{"cold", "shared"} {
					b.Run(cache, func(b *testing.B) {
						for b.Loop() {
							if cache == "cold" {
								h.console.board.clear()
							}
							req := httptest.NewRequest(http.MethodGet, "/", nil)
							req.AddCookie(cookie)
							rec := httptest.NewRecorder()
							h.mux.ServeHTTP(rec, req)
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
		h.ingest([]byte(body))
	}
	h.deliver()
	list, err := h.store.Incidents(b.Context(), h.now(), t0.Add(-time.Hour), 2*n)
	if err != nil || len(list) != n/perIncident {
		b.Fatalf("%d open incidents (%v), want %d", len(list), err, n/perIncident)
	}
}
