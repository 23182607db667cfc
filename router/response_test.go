package router

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/alertgate/alertgate/router/internal/httpx"
	"github.com/alertgate/alertgate/router/pipeline"
	"github.com/alertgate/alertgate/router/source"
)

// TestWriteIngestResponse_SameAsEncodingJSON holds the hand-written
// answer to a webhook to what encoding/json makes of the same response,
// byte for byte, headers included: senders and scripts read it.
func TestWriteIngestResponse_SameAsEncodingJSON(t *testing.T) {
	for _, resp := range []ingestResponse{
		{Status: "ok"},
		{Status: "ok", Result: pipeline.Result{Accepted: 1, Notify: 1}},
		{Status: "ok", Result: pipeline.Result{Accepted: 100, Notify: 37, Suppressed: 60, Dropped: 3}},
		{Status: "ok", Result: pipeline.Result{Accepted: 5, Notify: 5, Degraded: 5}},
		{Status: "ok", Result: pipeline.Result{Accepted: 1000, Suppressed: 1000}, Truncated: 24},
		{Status: "ok", Result: pipeline.Result{Accepted: -1, Notify: 1 << 40}},
		{Status: "ok", Result: pipeline.Result{Accepted: 2}, Note: "a note <b>"},
		{Status: "ok", Result: pipeline.Result{Accepted: 2}, Ignored: []source.Ignored{{Field: "alerts[0].x", Reason: "not a string"}}},
		{Status: "degraded & partial", Result: pipeline.Result{Accepted: 2}},
	} {
		want := httptest.NewRecorder()
		httpx.WriteJSON(want, http.StatusOK, resp)
		got := httptest.NewRecorder()
		writeIngestResponse(got, resp)
		if got.Body.String() != want.Body.String() || got.Code != want.Code {
			t.Errorf("%+v:\n got %d %q\nwant %d %q", resp, got.Code, got.Body, want.Code, want.Body)
		}
		for _, h := range []string{"Content-Type", "X-Content-Type-Options"} {
			if got.Header().Get(h) != want.Header().Get(h) {
				t.Errorf("%+v: %s %q, want %q", resp, h, got.Header().Get(h), want.Header().Get(h))
			}
		}
	}
}
