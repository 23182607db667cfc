package enrich

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/config"
	"github.com/alertgate/alertgate/enrich/llm"
	"github.com/alertgate/alertgate/enrich/oncall"
	"github.com/alertgate/alertgate/enrich/runbook"
	"github.com/alertgate/alertgate/internal/memhttp"
	"github.com/alertgate/alertgate/router/notify"
	"github.com/alertgate/alertgate/router/store"
	"github.com/alertgate/alertgate/router/store/memory"
)

// openAI is a minimal OpenAI-compatible chat completions server that
// answers with text after delay, and counts requests.
func openAI(text string, delay time.Duration) (http.Handler, *atomic.Int64) {
	var calls atomic.Int64
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		// r.Context() ends when the client gives up: memhttp hands the
		// handler the client's context.
		_, _ = io.ReadAll(r.Body)
		if r.Method != http.MethodPost || r.URL.Path != "/v1/chat/completions" || r.Header.Get("Authorization") != "Bearer sk-test" {
			http.Error(w, `{"error":{"message":"bad request","type":"invalid_request_error"}}`, http.StatusBadRequest)
			return
		}
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "gpt-4o-mini",
			"choices": []map[string]any{{"index": 0, "message": map[string]string{"role": "assistant", "content": text}, "finish_reason": "stop"}},
			"usage":   map[string]int{"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
		})
	})
	return h, &calls
}

// summarizer returns a summarizer whose LLM is h, reached in memory so
// that a test can run in a synctest bubble.
func summarizer(h http.Handler, timeout time.Duration) *llm.Summarizer {
	const url = "http://llm.test"
	return llm.New(llm.Config{BaseURL: url + "/v1", Model: "gpt-4o-mini", APIKey: "sk-test", Timeout: timeout,
		HTTPClient: memhttp.Client(url, h)}, memory.New(store.Options{}), nil)
}

func notification(desc string) *notify.Notification {
	a := alert.Alert{
		Source: alert.SourceAlertmanager, Name: "HighErrorRate", Status: alert.StatusFiring, Severity: alert.SeverityCritical,
		Labels:      map[string]string{"service": "api", "namespace": "web"},
		Annotations: map[string]string{"summary": "5xx above 5%", "description": desc},
		StartsAt:    time.Date(2026, 1, 13, 2, 10, 0, 0, time.UTC), Fingerprint: "fp1",
	}
	a.Normalize()
	return &notify.Notification{Incident: "g1", Seq: 1, Kind: notify.KindTrigger, Status: alert.StatusFiring, Severity: alert.SeverityCritical,
		Title: "5xx above 5%", Target: notify.Target{Type: "slack", Receiver: "team"}, Members: []notify.Member{{Alert: a}}, CreatedAt: a.StartsAt}
}

func shipped(t testing.TB) []*runbook.Runbook {
	rbs, err := runbook.Load("../runbooks")
	if err != nil {
		t.Fatal(err)
	}
	return rbs
}

func TestEnrich_RunbookOnCallAndLLMSummary(t *testing.T) {
	llmAPI, calls := openAI("The api returns 5xx. A deploy is the likely cause. Roll back first.", 0)
	e := New(Options{
		Runbooks:   shipped(t),
		Summarizer: summarizer(llmAPI, time.Second),
		OnCall:     rotationOf(t, "team", "Sato"),
	})
	n := notification("rate(http_requests_total{code=~\"5..\"}) / rate(http_requests_total) > 0.05")
	e.Enrich(context.Background(), n)
	en := n.Enrichment
	if en.Runbook == nil || en.Runbook.ID != "http-5xx-ratio" || len(en.Runbook.Steps) == 0 || len(en.Runbook.Steps) > maxSteps {
		t.Errorf("runbook = %+v, want http-5xx-ratio with its first steps", en.Runbook)
	}
	if en.OnCall != "Sato" || en.SummarySource != SummaryLLM || !strings.Contains(en.Summary, "Roll back first") {
		t.Errorf("enrichment = %+v", en)
	}
	// A re-send of the same incident is served from the cache.
	again := notification("rate(http_requests_total{code=~\"5..\"}) / rate(http_requests_total) > 0.05")
	again.Seq = 2
	e.Enrich(context.Background(), again)
	if calls.Load() != 1 || again.Enrichment.SummarySource != SummaryLLM {
		t.Errorf("LLM calls = %d (source %s), want 1 with the second from the cache", calls.Load(), again.Enrichment.SummarySource)
	}
}

func TestEnrich_SlowLLMFallsBackWithinTheTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		slow, _ := openAI("too late", time.Minute)
		served := make(chan struct{})
		llmAPI := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			defer close(served)
			slow.ServeHTTP(w, r)
		})
		const timeout = 300 * time.Millisecond
		e := New(Options{Summarizer: summarizer(llmAPI, time.Second), Timeout: timeout})
		n := notification("x")
		start := time.Now()
		e.Enrich(context.Background(), n)
		if took := time.Since(start); took != timeout {
			t.Errorf("Enrich took %s, want exactly the timeout %s", took, timeout)
		}
		if n.Enrichment.SummarySource != SummaryFallback || !strings.Contains(n.Enrichment.Summary, "HighErrorRate") {
			t.Errorf("enrichment = %+v, want the deterministic fallback", n.Enrichment)
		}
		// The request goes on in the background until the summarizer's
		// own Timeout; the bubble ends only when it has.
		<-served
	})
}

func TestEnrich_FailingLLMAndNoLLMUseTheFallback(t *testing.T) {
	failing := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, `{"error":{"message":"overloaded","type":"server_error"}}`, http.StatusInternalServerError)
	})
	for name, e := range map[string]*Enricher{
		"500":    New(Options{Summarizer: summarizer(failing, time.Second)}),
		"no LLM": New(Options{}),
	} {
		n := notification("x")
		e.Enrich(context.Background(), n)
		if n.Enrichment.SummarySource != SummaryFallback || n.Enrichment.Summary == "" {
			t.Errorf("%s: enrichment = %+v, want the fallback", name, n.Enrichment)
		}
	}
}

func TestMutes_RunbookBatchWindow(t *testing.T) {
	e := New(Options{Runbooks: shipped(t)})
	labels := map[string]string{"source": "alertmanager", "alertname": "KubeJobFailed", "namespace": "batch", "job_name": "nightly-export-29483"}
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	if got, muted := e.Mutes(t.Context(), labels, time.Date(2026, 1, 13, 2, 0, 0, 0, tokyo)); !muted || got != "runbook nightly-batch-failure" {
		t.Errorf("at 02:00 = %q, want the batch window of nightly-batch-failure", got)
	}
	if got, muted := e.Mutes(t.Context(), labels, time.Date(2026, 1, 13, 11, 0, 0, 0, tokyo)); muted || got != "" {
		t.Errorf("at 11:00 = %q, want no silence", got)
	}
}

// BenchmarkEnrich_CacheHit is the enrichment overhead per notification
// when the summary is cached: runbook match, on-call, cache lookup.
func BenchmarkEnrich_CacheHit(b *testing.B) {
	llmAPI, _ := openAI("cached summary.", 0)
	e := New(Options{
		Runbooks:   shipped(b),
		Summarizer: summarizer(llmAPI, time.Second),
		OnCall:     rotationOf(b, "team", "Sato"),
	})
	e.Enrich(context.Background(), notification("x"))
	b.ReportAllocs()
	for b.Loop() {
		n := notification("x")
		e.Enrich(context.Background(), n)
		if n.Enrichment.SummarySource != SummaryLLM {
			b.Fatal("cache miss")
		}
	}
}

func TestEnrich_ABrokenLLMIsSkippedAfterThreeFailures(t *testing.T) {
	var calls atomic.Int64
	failing := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		_, _ = io.ReadAll(r.Body)
		http.Error(w, `{"error":{"message":"overloaded","type":"server_error"}}`, http.StatusInternalServerError)
	})
	now := time.Date(2026, 1, 13, 2, 0, 0, 0, time.UTC)
	e := New(Options{Summarizer: summarizer(failing, time.Second), Now: func() time.Time { return now }})
	for i := range 6 {
		n := notification(fmt.Sprintf("incident %d", i))
		e.Enrich(context.Background(), n)
		if n.Enrichment.SummarySource != SummaryFallback {
			t.Fatalf("incident %d: %+v", i, n.Enrichment)
		}
	}
	if got := calls.Load(); got != 3 {
		t.Errorf("the LLM was asked %d times for 6 incidents, want 3 before the breaker opens", got)
	}
	now = now.Add(breakerCooldown)
	e.Enrich(context.Background(), notification("after the cool-down"))
	if got := calls.Load(); got != 4 {
		t.Errorf("after the cool-down the LLM was asked %d times in all, want one more try", got)
	}
}

// rotationOf is an on-call directory in which receiver's weekly rotation
// has the one member who.
func rotationOf(t testing.TB, receiver, who string) *oncall.Directory {
	t.Helper()
	cfg, err := config.Parse([]byte(`
sources: {alertmanager: {disabled: true}, newrelic: {disabled: true}, cloudwatch: {disabled: true}}
notify: {dry_run: true}
receivers: [{name: `+receiver+`, oncall: primary, slack: {channel: "#x"}}]
route: {receiver: `+receiver+`}
oncall: [{name: primary, rotation: {members: [`+who+`], handover: "monday 10:00", start: 2026-01-05}}]
`), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	d, err := oncall.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return d
}
