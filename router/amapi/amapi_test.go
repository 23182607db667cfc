package amapi

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/alertgate/alertgate/config"
	"github.com/alertgate/alertgate/router/internal/operator"
	"github.com/alertgate/alertgate/router/pipeline"
	"github.com/alertgate/alertgate/router/store"
	"github.com/alertgate/alertgate/router/store/memory"
)

// testConfig is a configuration the API runs with: it reads only the
// request body limit.
const testConfig = `
sources:
  alertmanager: {token: am-token}
  newrelic: {disabled: true}
  cloudwatch: {disabled: true}
notify: {dry_run: true}
receivers:
  - name: team
    slack: {channel: "#team"}
route:
  receiver: team
`

// harness is the API alone on a memory store, behind an httptest server,
// with a fixed clock. The admin token's check is the router's, not here.
type harness struct {
	t     testing.TB
	srv   *httptest.Server
	clock time.Time
}

func newHarness(t testing.TB) *harness {
	t.Helper()
	cfg, err := config.Parse([]byte(testConfig), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	h := &harness{t: t, clock: time.Date(2026, 3, 4, 5, 0, 0, 0, time.UTC)}
	st := memory.New(store.Options{})
	engine, err := pipeline.New(cfg, pipeline.Options{Store: st, Now: h.now})
	if err != nil {
		t.Fatalf("engine: %v", err)
	}
	log := slog.New(slog.DiscardHandler)
	actions := &operator.Actions{Store: st, Engine: engine, Log: log, Now: h.now}
	mux := http.NewServeMux()
	New(Deps{Actions: actions, Store: st, Now: h.now, Config: engine.Config}).Routes(mux, func(h http.HandlerFunc) http.HandlerFunc { return h })
	h.srv = httptest.NewServer(mux)
	t.Cleanup(h.srv.Close)
	return h
}

func (h *harness) now() time.Time { return h.clock }

// amDo sends an Alertmanager API v2 request with the admin token.
func (h *harness) amDo(method, path, body string) (int, string) {
	h.t.Helper()
	req, _ := http.NewRequest(method, h.srv.URL+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer adm-token")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestAMSilences_ShapesFilterAndExpiry(t *testing.T) {
	h := newHarness(t)
	ends := h.now().Add(time.Hour).Format(time.RFC3339)
	post := func(matchers string) string {
		code, body := h.amDo(http.MethodPost, "/api/v2/silences", fmt.Sprintf(`{"matchers":%s,"startsAt":%q,"endsAt":%q,"createdBy":"amtool","comment":"c"}`, matchers, h.now().Format(time.RFC3339), ends))
		var res struct{ SilenceID string }
		if code != http.StatusOK || json.Unmarshal([]byte(body), &res) != nil || res.SilenceID == "" {
			t.Fatalf("POST = %d %s", code, body)
		}
		return res.SilenceID
	}
	a := post(`[{"name":"alertname","value":"DiskFull","isRegex":false,"isEqual":true},{"name":"instance","value":"web-.*","isRegex":true}]`)
	post(`[{"name":"service","value":"api","isRegex":false,"isEqual":false}]`)

	code, body := h.amDo(http.MethodGet, "/api/v2/silence/"+a, "")
	var got struct {
		ID        string
		Status    struct{ State string }
		UpdatedAt time.Time
		Matchers  []struct {
			Name, Value      string
			IsRegex, IsEqual bool
		}
	}
	if code != 200 || json.Unmarshal([]byte(body), &got) != nil {
		t.Fatalf("GET silence = %d %s", code, body)
	}
	if got.ID != a || got.Status.State != "active" || got.UpdatedAt.IsZero() || len(got.Matchers) != 2 ||
		got.Matchers[1] != (struct {
			Name, Value      string
			IsRegex, IsEqual bool
		}{"instance", "web-.*", true, true}) {
		t.Errorf("GET silence = %+v", got)
	}

	for _, tt := range []struct {
		filters []string
		want    int
	}{
		{nil, 2},
		{[]string{`alertname="DiskFull"`}, 1},
		{[]string{`instance=~"web-.*"`}, 1},
		{[]string{`service!="api"`}, 1},
		{[]string{`service="api"`}, 0},
		{[]string{`alertname="DiskFull"`, `x="y"`}, 0},
		{[]string{`alertname="DiskFull"`, `instance=~"web-.*"`}, 1},
	} {
		q := url.Values{"filter": tt.filters}
		code, body := h.amDo(http.MethodGet, "/api/v2/silences?"+q.Encode(), "")
		var list []struct{ ID string }
		if code != 200 || json.Unmarshal([]byte(body), &list) != nil || len(list) != tt.want {
			t.Errorf("filter %q = %d %s, want %d silences", tt.filters, code, body, tt.want)
		}
	}

	if code, _ := h.amDo(http.MethodDelete, "/api/v2/silence/"+a, ""); code != http.StatusOK {
		t.Errorf("DELETE = %d", code)
	}
	_, body = h.amDo(http.MethodGet, "/api/v2/silence/"+a, "")
	if !strings.Contains(body, `"state":"expired"`) {
		t.Errorf("after DELETE: %s", body)
	}
}

func TestAMSilences_BadInputIs4xxAndStoresNothing(t *testing.T) {
	h := newHarness(t)
	ends := h.now().Add(time.Hour).Format(time.RFC3339)
	past := h.now().Add(-time.Hour).Format(time.RFC3339)
	m := `[{"name":"alertname","value":"A","isRegex":false}]`
	tests := []struct {
		name, method, path, body string
		code                     int
		field                    string
	}{
		{"malformed regex", "POST", "/api/v2/silences", fmt.Sprintf(`{"matchers":[{"name":"a","value":"(x","isRegex":true}],"endsAt":%q,"createdBy":"x"}`, ends), 400, "matchers"},
		{"matcher without a name", "POST", "/api/v2/silences", fmt.Sprintf(`{"matchers":[{"value":"x"}],"endsAt":%q,"createdBy":"x"}`, ends), 400, "matchers[0].name"},
		{"no matchers", "POST", "/api/v2/silences", fmt.Sprintf(`{"matchers":[],"endsAt":%q,"createdBy":"x"}`, ends), 400, "matchers"},
		{"ends in the past", "POST", "/api/v2/silences", fmt.Sprintf(`{"matchers":%s,"endsAt":%q,"createdBy":"x"}`, m, past), 400, "endsAt"},
		{"nobody", "POST", "/api/v2/silences", fmt.Sprintf(`{"matchers":%s,"endsAt":%q}`, m, ends), 400, "createdBy"},
		{"not JSON", "POST", "/api/v2/silences", `{`, 400, ""},
		{"update of an unknown silence", "POST", "/api/v2/silences", fmt.Sprintf(`{"id":"nope","matchers":%s,"endsAt":%q,"createdBy":"x"}`, m, ends), 404, "id"},
		{"bad filter", "GET", "/api/v2/silences?filter=" + url.QueryEscape(`a=~"(`), "", 400, "filter"},
		{"unknown silence", "GET", "/api/v2/silence/nope", "", 404, "id"},
		{"expire an unknown silence", "DELETE", "/api/v2/silence/nope", "", 404, "id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := h.amDo(tt.method, tt.path, tt.body)
			var e struct{ Error, Field string }
			if code != tt.code || json.Unmarshal([]byte(body), &e) != nil || e.Error == "" || (tt.field != "" && e.Field != tt.field) {
				t.Errorf("= %d %s, want %d naming %q", code, body, tt.code, tt.field)
			}
		})
	}
	if _, body := h.amDo(http.MethodGet, "/api/v2/silences", ""); body != "[]\n" {
		t.Errorf("silences after refused requests: %s", body)
	}
}
