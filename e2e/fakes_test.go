package e2e

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// llmFake is an OpenAI-compatible chat completions endpoint. It answers
// with a canned summary, or hangs until the caller gives up.
type llmFake struct {
	srv   *httptest.Server
	hang  atomic.Bool
	calls atomic.Int64
	stop  chan struct{}
}

const (
	llmKey    = "sk-e2e-test-key"
	llmModel  = "gpt-4o-mini"
	llmAnswer = "The e2e service fails. This summary was written by the fake LLM."
)

func newLLMFake(t *testing.T) *llmFake {
	f := &llmFake{stop: make(chan struct{})}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	var once sync.Once
	t.Cleanup(func() {
		once.Do(func() { close(f.stop) }) // release hanging handlers before Close waits for them
		f.srv.Close()
	})
	return f
}

// baseURL is what enrich.llm.base_url points at.
func (f *llmFake) baseURL() string { return f.srv.URL + "/v1" }

// setup returns the enrich.llm mapping's body for the fake.
func (f *llmFake) setup(timeout string) string {
	return "base_url: " + f.baseURL() + ", model: " + llmModel + ", api_key: " + llmKey + ", timeout: " + timeout
}

func (f *llmFake) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/v1/chat/completions" || r.Header.Get("Authorization") != "Bearer "+llmKey {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"error":{"message":"bad request","type":"invalid_request_error","param":null,"code":null}}`))
		return
	}
	f.calls.Add(1)
	if f.hang.Load() {
		select {
		case <-r.Context().Done():
		case <-f.stop:
		}
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"id": "chatcmpl-e2e", "object": "chat.completion", "created": time.Now().Unix(), "model": llmModel,
		"choices": []map[string]any{{"index": 0, "finish_reason": "stop",
			"message": map[string]any{"role": "assistant", "content": llmAnswer}}},
		"usage": map[string]int{"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120},
	})
}

// slowAnswers is a proxy to target that forwards each request at once
// and holds the answer back for delay, as a provider far away does: the
// provider has acted on a request long before its caller hears so.
func slowAnswers(t *testing.T, target string, delay time.Duration) string {
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.ModifyResponse = func(*http.Response) error {
		time.Sleep(delay)
		return nil
	}
	srv := httptest.NewServer(rp)
	t.Cleanup(srv.Close)
	return srv.URL
}

// timeLapse moves g's clock forward by step every tick (step/tick times
// real speed) until the returned stop is called: simulated time for
// retries and backoff to play out in, which the worker reads from the
// injected clock.
func timeLapse(g *gate, step, tick time.Duration) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(tick)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				body, _ := json.Marshal(map[string]string{"advance": step.String()})
				code, b, err := g.do(http.MethodPost, "/-/testing/clock", adminToken, body, nil)
				if err != nil || code != http.StatusOK {
					continue
				}
				var got struct{ Now time.Time }
				if json.Unmarshal(b, &got) == nil {
					g.mu.Lock()
					g.offset = time.Until(got.Now)
					g.mu.Unlock()
				}
			}
		}
	}()
	var once sync.Once
	return func() { once.Do(func() { close(done); <-finished }) }
}
