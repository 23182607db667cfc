package router

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/alertgate/alertgate/router/notify/pagerduty/pdtest"
	"github.com/alertgate/alertgate/router/notify/pagerduty/pdwebhook"
	"github.com/alertgate/alertgate/router/notify/slack/slacktest"
)

const pdWebhookPath = "/api/v1/pagerduty/webhook"

// pdEvent is a PagerDuty webhook v3 delivery, as PagerDuty's
// documentation shows one, for the incident with the given key.
func pdEvent(eventType, incidentKey, agent string, assignees ...string) []byte {
	as := make([]map[string]string, 0, len(assignees))
	for i, a := range assignees {
		as = append(as, map[string]string{"html_url": "https://acme.pagerduty.com/users/PU" + fmt.Sprint(i), "id": "PU" + fmt.Sprint(i), "self": "https://api.pagerduty.com/users/PU" + fmt.Sprint(i), "summary": a, "type": "user_reference"})
	}
	b, _ := json.Marshal(map[string]any{"event": map[string]any{
		"id": "01DEN4HPBQAAAG05V5QQYBRZMF", "event_type": eventType, "resource_type": "incident", "occurred_at": "2026-01-13T17:14:00.000Z",
		"agent":  map[string]string{"html_url": "https://acme.pagerduty.com/users/PLH1HKV", "id": "PLH1HKV", "self": "https://api.pagerduty.com/users/PLH1HKV", "summary": agent, "type": "user_reference"},
		"client": nil,
		"data": map[string]any{
			"id": "PGR0VU2", "type": "incident", "self": "https://api.pagerduty.com/incidents/PGR0VU2", "html_url": "https://acme.pagerduty.com/incidents/PGR0VU2",
			"number": 2, "status": strings.TrimPrefix(eventType, "incident."), "incident_key": incidentKey, "created_at": "2026-01-13T17:10:00Z",
			"title": "s", "service": map[string]string{"id": "PF9KMXH", "summary": "API Service", "type": "service_reference"},
			"assignees": as, "urgency": "high", "conference_bridge": nil, "resolve_reason": nil,
		},
	}})
	return b
}

func (h *harness) pdWebhook(body []byte, signature string) (int, string) {
	h.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, h.srv.URL+pdWebhookPath, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "PagerDuty-Webhook/V3.0")
	req.Header.Set(pdwebhook.SignatureHeader, signature)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestPagerDutyWebhook_ChangesInPagerDutyReachTheTimelineAndSlackSilently(t *testing.T) {
	pd := pdtest.New(t)
	sl := slacktest.New(t, slackToken, "#oncall")
	cfg := strings.Replace(interactiveConfig(pd.URL(), sl.APIURL()), "  pagerduty: {url: ", "  pagerduty: {webhook_secrets: [old-secret, new-secret], url: ", 1)
	h := newHarness(t, cfg, nil)
	labels := map[string]string{"alertname": "HighErrorRate", "service": "api", "severity": "critical"}
	t0 := jst("2026-01-13 02:10")
	h.set(t0)
	h.post(amPath, "am-token", amAlert("firing", t0, labels))
	h.deliver()
	key := pd.Events()[0].DedupKey

	// Bad and missing signatures; during a rotation PagerDuty signs with
	// both secrets, and either verifies.
	ack := pdEvent("incident.acknowledged", key, "Tenex Engineer")
	if code, _ := h.pdWebhook(ack, pdwebhook.Sign("wrong", ack)); code != http.StatusUnauthorized {
		t.Errorf("bad signature: %d", code)
	}
	if code, _ := h.pdWebhook(ack, ""); code != http.StatusUnauthorized {
		t.Errorf("no signature: %d", code)
	}
	h.set(jst("2026-01-13 02:14"))
	if code, body := h.pdWebhook(ack, pdwebhook.Sign("rotated-away", ack)+","+pdwebhook.Sign("new-secret", ack)); code != http.StatusOK || !strings.Contains(body, "applied") {
		t.Fatalf("acknowledge: %d %s", code, body)
	}
	h.deliver()
	msgs := sl.Messages("#oncall")
	if len(msgs) != 1 || msgs[0].Edits != 1 || len(msgs[0].Replies) != 0 || !strings.Contains(strings.Join(msgs[0].Strings(), " "), "Tenex Engineer in PagerDuty") {
		t.Errorf("Slack after the acknowledgement: %d messages, %d edits, %d replies: %v", len(msgs), msgs[0].Edits, len(msgs[0].Replies), msgs[0].Strings())
	}
	if n := len(pd.Events()); n != 1 {
		t.Errorf("PagerDuty got %d events; the acknowledgement must not be echoed back", n)
	}
	// PagerDuty retries a delivery it thinks failed: applying it twice
	// changes nothing.
	if code, _ := h.pdWebhook(ack, pdwebhook.Sign("old-secret", ack)); code != http.StatusOK {
		t.Errorf("redelivery: %d", code)
	}
	h.deliver()
	for _, ev := range []struct{ typ, agent, want string }{
		{"incident.reassigned", "Tenex Engineer", "reassigned in PagerDuty to Jane Doe"},
		{"incident.escalated", "PagerDuty", "escalated in PagerDuty to Manager"},
		{"incident.resolved", "Jane Doe", "RESOLVED"},
	} {
		assignee := map[string]string{"incident.reassigned": "Jane Doe", "incident.escalated": "Manager"}[ev.typ]
		body := pdEvent(ev.typ, key, ev.agent, assignee)
		if code, resp := h.pdWebhook(body, pdwebhook.Sign("old-secret", body)); code != http.StatusOK {
			t.Fatalf("%s: %d %s", ev.typ, code, resp)
		}
		h.deliver()
		m := sl.Messages("#oncall")[0]
		if !strings.Contains(strings.Join(m.Strings(), " "), ev.want) || len(m.Replies) != 0 {
			t.Errorf("%s: Slack shows %v with %d replies, want %q and no reply", ev.typ, m.Strings(), len(m.Replies), ev.want)
		}
	}

	var list []map[string]any
	_ = json.Unmarshal(h.adminGet("/api/v1/incidents?since=30d"), &list)
	var detail struct {
		AckedBy  string `json:"ackedBy"`
		Status   string `json:"status"`
		Timeline []struct {
			Type, Target, Actor, Detail string
		} `json:"timeline"`
	}
	_ = json.Unmarshal(h.adminGet("/api/v1/incidents/"+list[0]["id"].(string)), &detail)
	var got []string
	for _, e := range detail.Timeline {
		if e.Type != "notified" {
			got = append(got, e.Type+" "+e.Target+" "+e.Actor)
		}
	}
	want := "acknowledged  Tenex Engineer|reassigned Jane Doe Tenex Engineer|escalated Manager PagerDuty|resolved  Jane Doe"
	if g := strings.Join(got[2:], "|"); g != want || detail.Status != "resolved" || detail.AckedBy != "Tenex Engineer in PagerDuty" {
		t.Errorf("timeline %q, status %s, acked by %q\nwant %q", g, detail.Status, detail.AckedBy, want)
	}

	other := pdEvent("incident.acknowledged", "not-ours", "x")
	if code, body := h.pdWebhook(other, pdwebhook.Sign("new-secret", other)); code != http.StatusOK || !strings.Contains(body, "ignored") {
		t.Errorf("an incident alertgate does not have: %d %s", code, body)
	}
	trig := pdEvent("incident.triggered", key, "x")
	if code, body := h.pdWebhook(trig, pdwebhook.Sign("new-secret", trig)); code != http.StatusOK || !strings.Contains(body, "ignored") {
		t.Errorf("incident.triggered: %d %s", code, body)
	}
}

func TestPagerDutyWebhook_OffWithoutSecrets(t *testing.T) {
	h := newHarness(t, testConfig, nil)
	body := pdEvent("incident.acknowledged", "k", "x")
	if code, _ := h.pdWebhook(body, pdwebhook.Sign("s", body)); code != http.StatusNotFound {
		t.Errorf("no secrets configured: %d, want 404", code)
	}
}
