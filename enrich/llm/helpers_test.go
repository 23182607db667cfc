package llm

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/config"
	"github.com/alertgate/alertgate/internal/memhttp"
	"github.com/alertgate/alertgate/router/notify"
	"github.com/alertgate/alertgate/router/store"
	"github.com/alertgate/alertgate/router/store/memory"
)

const (
	testKey       = "sk-test-123"
	testModel     = "gpt-4o-mini"
	testGenerator = "https://prometheus.example/graph?g0.expr=rate%28http_errors_total%5B5m%5D%29&g0.tab=1"
	testRunbook   = "https://runbooks.example/high-error-rate"
	cannedAnswer  = "The api service returns 5xx for 12% of requests. A bad deploy is the likely cause. Check the last rollout first."
)

// chatBody is the request body as the OpenAI API documents it for
// POST /chat/completions; raw keeps every top-level key to assert that
// nothing else is sent.
type chatBody struct {
	Model               string        `json:"model"`
	Messages            []chatMessage `json:"messages"`
	MaxTokens           int           `json:"max_tokens"`
	MaxCompletionTokens int           `json:"max_completion_tokens"`
	Temperature         *float64      `json:"temperature"`
	raw                 map[string]json.RawMessage
}

type chatMessage struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

func (b chatBody) message(role string) string {
	for _, m := range b.Messages {
		if m.Role == role {
			return m.Content
		}
	}
	return ""
}

// fakeAPI is an OpenAI-compatible server. It rejects anything the real
// API would reject at the transport level (wrong method, path, auth,
// content type, malformed JSON) with the documented error shape, records
// the requests, and answers through reply.
//
// Clients reach it in memory (see client), without the network, so a
// test can run in a testing/synctest bubble: a handler that waits, on a
// channel or on the request's context, then lets the bubble's clock
// advance.
type fakeAPI struct {
	t     testing.TB
	calls atomic.Int64

	mu       sync.Mutex
	requests []chatBody
	reply    func(w http.ResponseWriter, r *http.Request, body chatBody)
}

func newFakeAPI(t testing.TB, reply func(w http.ResponseWriter, r *http.Request, body chatBody)) *fakeAPI {
	t.Helper()
	return &fakeAPI{t: t, reply: reply}
}

func (f *fakeAPI) setReply(reply func(http.ResponseWriter, *http.Request, chatBody)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reply = reply
}

// openOnCleanup returns a function that closes gate once, and also closes
// it when the test ends, so that handlers waiting on gate return even
// when the test fails early: a synctest bubble's test waits for every
// goroutine it started.
func openOnCleanup(t testing.TB, gate chan struct{}) func() {
	var once sync.Once
	open := func() { once.Do(func() { close(gate) }) }
	t.Cleanup(open)
	return open
}

// fakeAPIURL is where the fake answers; requests for other hosts fail.
const fakeAPIURL = "http://llm.test"

func (f *fakeAPI) baseURL() string { return fakeAPIURL + "/v1" }

// client returns an HTTP client that reaches the fake in memory.
func (f *fakeAPI) client() *http.Client {
	return memhttp.Client(fakeAPIURL, http.HandlerFunc(f.handle))
}

func (f *fakeAPI) handle(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.Method != http.MethodPost || r.URL.Path != "/v1/chat/completions":
		writeAPIError(w, http.StatusNotFound, "invalid_request_error", fmt.Sprintf("unknown route %s %s", r.Method, r.URL.Path))
		return
	case r.Header.Get("Authorization") != "Bearer "+testKey:
		// Like some servers, echo the key that was sent.
		writeAPIError(w, http.StatusUnauthorized, "invalid_request_error", "Incorrect API key provided: "+strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
		return
	case r.Header.Get("Content-Type") != "application/json":
		writeAPIError(w, http.StatusBadRequest, "invalid_request_error", "content type must be application/json")
		return
	}
	body, err := decodeChatBody(r.Body)
	if err != nil {
		writeAPIError(w, http.StatusBadRequest, "invalid_request_error", err.Error())
		return
	}
	f.calls.Add(1)
	f.mu.Lock()
	f.requests = append(f.requests, body)
	reply := f.reply
	f.mu.Unlock()
	reply(w, r, body)
}

func decodeChatBody(r io.Reader) (chatBody, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return chatBody{}, err
	}
	var b chatBody
	if err := json.Unmarshal(data, &b); err != nil {
		return chatBody{}, fmt.Errorf("malformed body: %w", err)
	}
	if err := json.Unmarshal(data, &b.raw); err != nil {
		return chatBody{}, fmt.Errorf("malformed body: %w", err)
	}
	if b.Model == "" || len(b.Messages) == 0 {
		return chatBody{}, fmt.Errorf("model and messages are required")
	}
	return b, nil
}

func (f *fakeAPI) lastRequest() chatBody {
	f.t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.requests) == 0 {
		f.t.Fatal("the fake API received no request")
	}
	return f.requests[len(f.requests)-1]
}

// answer replies with a chat.completion object as documented.
func answer(content string) func(http.ResponseWriter, *http.Request, chatBody) {
	return func(w http.ResponseWriter, _ *http.Request, body chatBody) {
		writeCompletion(w, body.Model, content)
	}
}

func writeCompletion(w http.ResponseWriter, model, content string) {
	w.Header().Set("Content-Type", "application/json")
	resp := map[string]any{
		"id":      "chatcmpl-abc123",
		"object":  "chat.completion",
		"created": 1741569952,
		"model":   model,
		"choices": []map[string]any{{
			"index":         0,
			"message":       map[string]any{"role": "assistant", "content": content, "refusal": nil},
			"logprobs":      nil,
			"finish_reason": "stop",
		}},
		"usage":              map[string]int{"prompt_tokens": 812, "completion_tokens": 41, "total_tokens": 853},
		"system_fingerprint": "fp_test",
	}
	_ = json.NewEncoder(w).Encode(resp)
}

// writeAPIError writes the documented error object.
func writeAPIError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"error": map[string]any{"message": msg, "type": typ, "param": nil, "code": nil},
	})
}

func testConfig(f *fakeAPI) Config {
	return Config{
		BaseURL:    f.baseURL(),
		Model:      testModel,
		APIKey:     config.Secret(testKey),
		HTTPClient: f.client(),
	}
}

func newTestSummarizer(t testing.TB, cfg Config) (*Summarizer, *memory.Store) {
	t.Helper()
	st := memory.New(store.Options{})
	return New(cfg, st, nil), st
}

// testNotification is a one-alert incident with a runbook.
func testNotification(description string) *notify.Notification {
	a := alert.Alert{
		Source:   alert.SourceAlertmanager,
		Name:     "HighErrorRate",
		Status:   alert.StatusFiring,
		Severity: alert.SeverityCritical,
		Labels:   map[string]string{"service": "api", "namespace": "prod"},
		Annotations: map[string]string{
			"summary":     "api 5xx ratio above 5%",
			"description": description,
			"runbook_url": testRunbook,
		},
		StartsAt:     time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC),
		GeneratorURL: testGenerator,
		Fingerprint:  alert.NewFingerprint(alert.SourceAlertmanager, "api-5xx"),
	}
	a.Normalize()
	return &notify.Notification{
		ID:        "team-api/HighErrorRate/1/pagerduty:team-api",
		Incident:  "team-api/HighErrorRate",
		Seq:       1,
		Kind:      notify.KindTrigger,
		Target:    notify.Target{Type: "pagerduty", Receiver: "team-api"},
		Status:    alert.StatusFiring,
		Severity:  alert.SeverityCritical,
		Title:     "HighErrorRate on api",
		Members:   []notify.Member{{Alert: a, Change: "new"}},
		CreatedAt: time.Date(2026, 3, 4, 5, 7, 0, 0, time.UTC),
		Enrichment: notify.Enrichment{Runbook: &notify.Runbook{
			ID:    "high-error-rate",
			Title: "High 5xx error rate",
			URL:   testRunbook,
			Steps: []string{"Check the last rollout with `kubectl rollout history`.", "Roll back if it is newer than the alert."},
		}},
	}
}

// otherIncident returns a notification about a different incident.
func otherIncident(i int) *notify.Notification {
	n := testNotification("error ratio high")
	n.Incident = fmt.Sprintf("team-api/Other%d", i)
	n.Members[0].Fingerprint = alert.NewFingerprint(alert.SourceAlertmanager, n.Incident)
	return n
}

// fencedSection returns what is between <name> and </name> in s.
func fencedSection(s, name string) (string, bool) {
	_, after, ok := strings.Cut(s, "<"+name+">")
	if !ok {
		return "", false
	}
	inside, _, ok := strings.Cut(after, "</"+name+">")
	return inside, ok
}

func sortedKeys(m map[string]json.RawMessage) []string {
	return slices.Sorted(maps.Keys(m))
}

// mustBeCached fails t unless n's summary is in the cache: Summarize
// returns an answer only once it is cached.
func mustBeCached(t testing.TB, s *Summarizer, n *notify.Notification) {
	t.Helper()
	key := cacheKey(s.cfg.Model, s.cfg.Language, n, allowedURLs(n))
	if _, ok, err := s.cache.CacheGet(t.Context(), s.cfg.Now(), key); !ok || err != nil {
		t.Fatalf("the summary is not cached (%v)", err)
	}
}
