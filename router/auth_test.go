package router

import (
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/alertgate/alertgate/config"
)

const signedConfig = `
server: {admin_token: admin-token}
sources:
  alertmanager: {token: am-token, rate_limit: {requests_per_second: 1, burst: 2}}
  newrelic: {hmac_secret: nr-hmac-secret}
  cloudwatch: {disabled: true}
notify: {dry_run: true}
receivers:
  - {name: team, log: {}}
route:
  receiver: team
  group_wait: 0s
`

func signature(secret string, at time.Time, body []byte) string {
	ts := strconv.FormatInt(at.Unix(), 10)
	return "t=" + ts + ",v1=" + hex.EncodeToString(Sign(config.Secret(secret), ts, body))
}

func TestAuth_HMACSignedWebhooks(t *testing.T) {
	h := newHarness(t, signedConfig, nil)
	body := readFile(t, "source/newrelic/testdata/workflow_created.json")
	now := h.now()
	tests := []struct {
		name   string
		header string
		body   []byte
		code   int
	}{
		{"valid signature", signature("nr-hmac-secret", now, body), body, http.StatusOK},
		{"no signature", "", body, http.StatusUnauthorized},
		{"wrong secret", signature("guess", now, body), body, http.StatusUnauthorized},
		{"tampered body", signature("nr-hmac-secret", now, body), append([]byte(" "), body...), http.StatusUnauthorized},
		{"stale timestamp", signature("nr-hmac-secret", now.Add(-6*time.Minute), body), body, http.StatusUnauthorized},
		{"malformed header", "v1=zz", body, http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var hdr []string
			if tt.header != "" {
				hdr = []string{SignatureHeader, tt.header}
			}
			if code, resp := h.post(nrPath, "", tt.body, hdr...); code != tt.code {
				t.Errorf("status %d (%v), want %d", code, resp, tt.code)
			}
		})
	}
	if got := h.counter("alertgate_alerts_received_total", "source", "newrelic"); got != 1 {
		t.Errorf("alerts received = %v, want only the validly signed one", got)
	}
}

func TestRateLimit_ExcessRequestsGet429WithRetryAfter(t *testing.T) {
	h := newHarness(t, signedConfig, nil)
	body := amAlert("firing", h.now(), map[string]string{"alertname": "A"})
	var codes []int
	for range 4 {
		code, _ := h.post(amPath, "am-token", body)
		codes = append(codes, code)
	}
	if codes[0] != 200 || codes[1] != 200 || codes[2] != http.StatusTooManyRequests {
		t.Errorf("statuses = %v, want two accepted (the burst) then 429", codes)
	}
	if got := h.counter("alertgate_requests_total", "source", "alertmanager", "outcome", "rate_limited"); got < 1 {
		t.Errorf("rate_limited = %v", got)
	}
	// Unauthenticated floods do not eat the sender's budget: they are
	// turned away before the limiter.
	h2 := newHarness(t, signedConfig, nil)
	for range 10 {
		h2.post(amPath, "", body)
	}
	if code, _ := h2.post(amPath, "am-token", body); code != 200 {
		t.Errorf("after a flood of unauthenticated requests the real sender got %d", code)
	}
}

func TestAuth_EveryOperatorEndpointNeedsTheAdminToken(t *testing.T) {
	h := newHarness(t, policyConfig, nil)
	endpoints := []struct{ method, path string }{
		{http.MethodGet, "/api/v1/silences"},
		{http.MethodPost, "/api/v1/silences"},
		{http.MethodDelete, "/api/v1/silences/x"},
		{http.MethodGet, "/api/v1/incidents"},
		{http.MethodGet, "/api/v1/incidents/x"},
		{http.MethodGet, "/api/v1/incidents/x/postmortem"},
		{http.MethodGet, "/api/v1/incidents/x/announcement"},
		{http.MethodGet, "/api/v1/report"},
		{http.MethodGet, "/api/v1/deadletters"},
		{http.MethodGet, "/api/v1/heartbeats"},
		{http.MethodGet, "/api/v1/chronic"},
		{http.MethodPost, "/api/v1/chronic/team/digest"},
		{http.MethodPost, "/api/v1/incidents/x/ack"},
		{http.MethodPost, "/api/v1/incidents/x/resolve"},
		{http.MethodGet, "/api/v2/silences"},
		{http.MethodPost, "/api/v2/silences"},
		{http.MethodGet, "/api/v2/silence/x"},
		{http.MethodDelete, "/api/v2/silence/x"},
		{http.MethodPost, "/-/reload"},
	}
	for _, ep := range endpoints {
		for _, tok := range []string{"", "not-the-admin-token", "am-token"} {
			req, _ := http.NewRequest(ep.method, h.srv.URL+ep.path, strings.NewReader(`{"matchers":["a=\"b\""],"duration":"1h","createdBy":"x"}`))
			if tok != "" {
				req.Header.Set("Authorization", "Bearer "+tok)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("%s %s with token %q: %d, want 401", ep.method, ep.path, tok, resp.StatusCode)
			}
		}
	}
	if n := len(h.logLines("audit")); n != 0 {
		t.Errorf("unauthenticated requests were carried out: %d audit lines", n)
	}
	req, _ := http.NewRequest(http.MethodGet, h.srv.URL+"/api/v1/silences", nil)
	req.Header.Set("Authorization", "Bearer admin-token")
	resp, _ := http.DefaultClient.Do(req)
	var b strings.Builder
	buf := make([]byte, 64)
	n, _ := resp.Body.Read(buf)
	b.Write(buf[:n])
	resp.Body.Close()
	if strings.TrimSpace(b.String()) != "[]" {
		t.Errorf("unauthenticated requests created silences: %s", b.String())
	}
}

func TestOpsListen_SeparatesMetricsAndHealth(t *testing.T) {
	h := newHarness(t, strings.Replace(testConfig, "notify: {dry_run: true}", "notify: {dry_run: true}\nserver: {ops_listen: \"127.0.0.1:0\"}", 1), nil)
	for _, path := range []string{"/metrics", "/-/healthy", "/-/ready"} {
		resp, err := http.Get(h.srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s on the API listener = %d, want 404 when ops_listen is set", path, resp.StatusCode)
		}
	}
	if h.rt.OpsHandler() == nil {
		t.Fatal("no ops handler")
	}
}
