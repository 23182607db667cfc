package pdtest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/alertgate/alertgate/router/notify/pagerduty/pdtest"
)

const (
	keyA = "0123456789abcdef0123456789abcdef"
	keyB = "R0123456789ABCDEF0123456789ABCDE"
)

type answer struct {
	code       int
	retryAfter string
	body       struct {
		Status   string   `json:"status"`
		Message  string   `json:"message"`
		DedupKey string   `json:"dedup_key"`
		Errors   []string `json:"errors"`
	}
}

func post(t *testing.T, s *pdtest.Server, contentType, body string) answer {
	t.Helper()
	resp, err := http.Post(s.URL()+"/v2/enqueue", contentType, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	a := answer{code: resp.StatusCode, retryAfter: resp.Header.Get("Retry-After")}
	b, _ := io.ReadAll(resp.Body)
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(b, &a.body); err != nil {
			t.Fatalf("answer is not JSON: %v: %s", err, b)
		}
	}
	return a
}

func trigger(extra string) string {
	return `{"routing_key":"` + keyA + `","event_action":"trigger","dedup_key":"inc-1",` +
		`"payload":{"summary":"disk full","source":"db-1","severity":"critical"` + extra + `}}`
}

func TestServer_ValidatesEventsAsDocumented(t *testing.T) {
	long := strings.Repeat("x", 1025)
	tests := []struct {
		name      string
		body      string
		wantCode  int
		wantError string
	}{
		{"minimal trigger", trigger(""), 202, ""},
		{"trigger with every optional field", `{"routing_key":"` + keyA + `","event_action":"trigger","dedup_key":"k","client":"c","client_url":"https://c.example",` +
			`"links":[{"href":"https://a.example","text":"a"}],"images":[{"src":"https://i.example/x.png","alt":"x"}],` +
			`"payload":{"summary":"s","source":"h","severity":"info","timestamp":"2015-07-17T08:42:58.315+0000","component":"mysql","group":"g","class":"disk","custom_details":{"a":1}}}`, 202, ""},
		{"RFC 3339 timestamp", trigger(`,"timestamp":"2025-03-01T12:00:00Z"`), 202, ""},
		{"trigger without dedup_key gets one", `{"routing_key":"` + keyA + `","event_action":"trigger","payload":{"summary":"s","source":"h","severity":"error"}}`, 202, ""},
		{"resolve with keys only", `{"routing_key":"` + keyA + `","event_action":"resolve","dedup_key":"inc-1"}`, 202, ""},
		{"1024-character multibyte summary", `{"routing_key":"` + keyA + `","event_action":"trigger","payload":{"summary":"` + strings.Repeat("障", 1024) + `","source":"h","severity":"info"}}`, 202, ""},
		{"missing routing_key", `{"event_action":"trigger","payload":{"summary":"s","source":"h","severity":"info"}}`, 400, "'routing_key' is missing or blank"},
		{"short routing_key", strings.Replace(trigger(""), keyA, "abc", 1), 400, "Length of 'routing_key' is incorrect (should be 32 characters)"},
		{"non-alphanumeric routing_key", strings.Replace(trigger(""), keyA, "0123456789abcdef0123456789abcde-", 1), 400, "'routing_key' cannot contain non-alphanumeric characters."},
		{"unknown event_action", strings.Replace(trigger(""), `"trigger"`, `"escalate"`, 1), 400, "'event_action' is invalid"},
		{"acknowledge without dedup_key", `{"routing_key":"` + keyA + `","event_action":"acknowledge"}`, 400, "'dedup_key' is missing or blank"},
		{"dedup_key over 255 characters", strings.Replace(trigger(""), `"inc-1"`, `"`+strings.Repeat("k", 256)+`"`, 1), 400, "'dedup_key' is too long"},
		{"trigger without payload", `{"routing_key":"` + keyA + `","event_action":"trigger"}`, 400, "'payload' is missing or blank"},
		{"blank summary", strings.Replace(trigger(""), `"disk full"`, `"  "`, 1), 400, "'payload.summary' is missing or blank"},
		{"summary over 1024 characters", strings.Replace(trigger(""), `"disk full"`, `"`+long+`"`, 1), 400, "'payload.summary' is too long"},
		{"missing source", strings.Replace(trigger(""), `"source":"db-1",`, ``, 1), 400, "'payload.source' is missing or blank"},
		{"severity outside the enum", strings.Replace(trigger(""), `"critical"`, `"page"`, 1), 400, "'payload.severity' is invalid"},
		{"severity of the wrong type", strings.Replace(trigger(""), `"critical"`, `3`, 1), 400, "'payload.severity' must be a string"},
		{"unparseable timestamp", trigger(`,"timestamp":"yesterday"`), 400, "'payload.timestamp' is not a valid ISO 8601 timestamp"},
		{"custom_details not an object", trigger(`,"custom_details":[1,2]`), 400, "'payload.custom_details' must be an object"},
		{"links not objects", strings.Replace(trigger(""), `"dedup_key"`, `"links":["https://a.example"],"dedup_key"`, 1), 400, "'links' must be an array of objects"},
		{"link without href", strings.Replace(trigger(""), `"dedup_key"`, `"links":[{"text":"a"}],"dedup_key"`, 1), 400, "'links[0].href' is missing or blank"},
		{"image without src", strings.Replace(trigger(""), `"dedup_key"`, `"images":[{"alt":"a"}],"dedup_key"`, 1), 400, "'images[0].src' is missing or blank"},
		{"not JSON", `{"routing_key":`, 400, "JSON parse error"},
		{"JSON array", `[]`, 400, "JSON parse error"},
		{"over 512 KB", trigger(`,"custom_details":{"x":"` + strings.Repeat("a", pdtest.MaxBodyBytes) + `"}`), 400, "maximum size of 512 KB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := pdtest.New(t)
			a := post(t, s, "application/json", tt.body)
			if a.code != tt.wantCode {
				t.Fatalf("status %d, want %d (%+v)", a.code, tt.wantCode, a.body)
			}
			if tt.wantCode == 202 {
				if a.body.Status != "success" || a.body.Message != "Event processed" || a.body.DedupKey == "" {
					t.Errorf("202 body %+v, want success / Event processed / a dedup_key", a.body)
				}
				if got := len(s.Events()); got != 1 {
					t.Errorf("%d events recorded, want 1", got)
				}
				return
			}
			if !strings.Contains(strings.Join(a.body.Errors, "|"), tt.wantError) {
				t.Errorf("errors %q, want one containing %q", a.body.Errors, tt.wantError)
			}
			if a.body.Status == "" || a.body.Message == "" {
				t.Errorf("400 body %+v lacks status or message", a.body)
			}
			if got := len(s.Events()); got != 0 {
				t.Errorf("%d events recorded for a rejected request, want 0", got)
			}
		})
	}
}

func TestServer_InvalidEventListsEveryError(t *testing.T) {
	s := pdtest.New(t)
	a := post(t, s, "application/json", `{"routing_key":"x","event_action":"trigger","payload":{"severity":"bad"}}`)
	if a.code != 400 || a.body.Status != "invalid event" || a.body.Message != "Event object is invalid" {
		t.Fatalf("got %d %+v, want 400 invalid event", a.code, a.body)
	}
	if len(a.body.Errors) < 4 {
		t.Errorf("errors %q, want the routing key, summary, source and severity problems", a.body.Errors)
	}
}

func TestServer_RejectsOtherContentTypesMethodsAndPaths(t *testing.T) {
	s := pdtest.New(t)
	if a := post(t, s, "text/plain", trigger("")); a.code != 400 {
		t.Errorf("text/plain: status %d, want 400", a.code)
	}
	if a := post(t, s, "application/json; charset=utf-8", trigger("")); a.code != 202 {
		t.Errorf("application/json with charset: status %d, want 202", a.code)
	}
	resp, err := http.Get(s.URL() + "/v2/enqueue")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET: status %d, want 405", resp.StatusCode)
	}
	resp, err = http.Post(s.URL()+"/v1/enqueue", "application/json", strings.NewReader(trigger("")))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("wrong path: status %d, want 404", resp.StatusCode)
	}
	if got := s.Requests(); got != 4 {
		t.Errorf("Requests() = %d, want 4", got)
	}
}

func TestServer_UnknownRoutingKeyIsInvalid(t *testing.T) {
	s := pdtest.New(t)
	s.ValidRoutingKeys(keyB)
	a := post(t, s, "application/json", trigger(""))
	if a.code != 400 || len(a.body.Errors) != 1 || a.body.Errors[0] != "Invalid routing key" {
		t.Errorf("got %d %+v, want 400 with Invalid routing key", a.code, a.body)
	}
	if a := post(t, s, "application/json", strings.Replace(trigger(""), keyA, keyB, 1)); a.code != 202 {
		t.Errorf("valid key: status %d, want 202", a.code)
	}
}

func TestServer_FailNextAnswersTheNextRequests(t *testing.T) {
	s := pdtest.New(t)
	s.FailNext(2, http.StatusTooManyRequests, "30")
	for i := range 2 {
		if a := post(t, s, "application/json", trigger("")); a.code != 429 || a.retryAfter != "30" {
			t.Errorf("request %d: status %d Retry-After %q, want 429 and 30", i, a.code, a.retryAfter)
		}
	}
	if a := post(t, s, "application/json", trigger("")); a.code != 202 {
		t.Errorf("third request: status %d, want 202", a.code)
	}
	s.FailNext(1, http.StatusBadGateway, "")
	if a := post(t, s, "application/json", trigger("")); a.code != 502 || a.retryAfter != "" || a.body.Status == "" {
		t.Errorf("502: got %d %q %+v, want a 502 error object without Retry-After", a.code, a.retryAfter, a.body)
	}
	if got, events := s.Requests(), len(s.Events()); got != 4 || events != 1 {
		t.Errorf("Requests() = %d, Events() = %d; want 4 and 1", got, events)
	}
}

func TestServer_AlertStateFollowsDocumentedLifecycle(t *testing.T) {
	ev := func(key, action, dedup string) string {
		if action == "trigger" {
			return `{"routing_key":"` + key + `","event_action":"trigger","dedup_key":"` + dedup + `","payload":{"summary":"s","source":"h","severity":"info"}}`
		}
		return `{"routing_key":"` + key + `","event_action":"` + action + `","dedup_key":"` + dedup + `"}`
	}
	tests := []struct {
		name        string
		events      []string
		want        string
		wantDropped []bool
	}{
		{"trigger acknowledge resolve", []string{ev(keyA, "trigger", "k"), ev(keyA, "acknowledge", "k"), ev(keyA, "resolve", "k")}, pdtest.StateResolved, []bool{false, false, false}},
		{"trigger keeps an acknowledged alert acknowledged", []string{ev(keyA, "trigger", "k"), ev(keyA, "acknowledge", "k"), ev(keyA, "trigger", "k")}, pdtest.StateAcknowledged, []bool{false, false, false}},
		{"resolve without an open alert is dropped", []string{ev(keyA, "resolve", "k")}, "", []bool{true}},
		{"trigger after resolve opens a new alert", []string{ev(keyA, "trigger", "k"), ev(keyA, "resolve", "k"), ev(keyA, "trigger", "k")}, pdtest.StateTriggered, []bool{false, false, false}},
		{"resolve through another routing key is dropped", []string{ev(keyA, "trigger", "k"), ev(keyB, "resolve", "k")}, pdtest.StateTriggered, []bool{false, true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := pdtest.New(t)
			for _, body := range tt.events {
				if a := post(t, s, "application/json", body); a.code != 202 {
					t.Fatalf("status %d %+v, want 202", a.code, a.body)
				}
			}
			if got := s.Incident("k"); got != tt.want {
				t.Errorf("Incident = %q, want %q", got, tt.want)
			}
			for i, e := range s.Events() {
				if e.Dropped != tt.wantDropped[i] {
					t.Errorf("event %d (%s) Dropped = %v, want %v", i, e.Action, e.Dropped, tt.wantDropped[i])
				}
			}
		})
	}
}
