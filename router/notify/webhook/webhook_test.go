package webhook

import (
	"crypto/hmac"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/config"
	"github.com/alertgate/alertgate/internal/hmacsig"
	"github.com/alertgate/alertgate/router/notify"
	"github.com/alertgate/alertgate/router/notify/tmpl"
)

var now = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

// consumer is a fake webhook consumer: it checks each request the way a
// consumer of Alertmanager's webhook (version 4) reads it and keeps it.
type consumer struct {
	t      *testing.T
	srv    *httptest.Server
	mu     sync.Mutex
	got    []map[string]any
	header []http.Header
	answer func(w http.ResponseWriter)
}

func newConsumer(t *testing.T) *consumer {
	c := &consumer{t: t}
	c.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("%s with Content-Type %q, want a JSON POST", r.Method, r.Header.Get("Content-Type"))
		}
		var m map[string]any
		if err := json.Unmarshal(body, &m); err != nil {
			t.Errorf("body is not JSON: %v", err)
		}
		// Every key Alertmanager's webhook payload version 4 has.
		for _, k := range []string{"version", "groupKey", "truncatedAlerts", "status", "receiver", "groupLabels", "commonLabels", "commonAnnotations", "externalURL", "alerts"} {
			if _, ok := m[k]; !ok {
				t.Errorf("payload lacks %q", k)
			}
		}
		for _, a := range m["alerts"].([]any) {
			for _, k := range []string{"status", "labels", "annotations", "startsAt", "endsAt", "generatorURL", "fingerprint"} {
				if _, ok := a.(map[string]any)[k]; !ok {
					t.Errorf("alert lacks %q", k)
				}
			}
		}
		if sig := r.Header.Get(hmacsig.Header); sig != "" {
			m["_signatureValid"] = verify(sig, body)
		}
		c.mu.Lock()
		c.got = append(c.got, m)
		c.header = append(c.header, r.Header.Clone())
		answer := c.answer
		c.mu.Unlock()
		if answer != nil {
			answer(w)
		}
	}))
	t.Cleanup(c.srv.Close)
	return c
}

func verify(header string, body []byte) bool {
	var ts, sig string
	for _, p := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(p, "=")
		if k == "t" {
			ts = v
		} else if k == "v1" {
			sig = v
		}
	}
	want := hmacsig.Sign([]byte("s3cret"), ts, body)
	got, err := hex.DecodeString(sig)
	return err == nil && hmac.Equal(got, want)
}

func notification(kind notify.Kind, members int) *notify.Notification {
	n := &notify.Notification{
		Incident: "grp-1", IncidentID: "grp-1-abc", Kind: kind, Status: alert.StatusFiring, Severity: alert.SeverityCritical,
		Target:      notify.Target{Type: config.TargetWebhook, Receiver: "hook"},
		GroupLabels: map[string]string{"alertname": "HighErrorRate"},
		RouteLabels: map[string]string{"team": "web", "reason": "{{ .GroupLabels.alertname }} on {{ .CommonLabels.service }}"},
		CreatedAt:   now,
	}
	for i := range members {
		n.Members = append(n.Members, notify.Member{Alert: alert.Alert{
			Source: alert.SourceAlertmanager, Name: "HighErrorRate", Status: alert.StatusFiring, Severity: alert.SeverityCritical,
			Labels:      map[string]string{"alertname": "HighErrorRate", "service": "api", "pod": "api-" + string(rune('a'+i))},
			Annotations: map[string]string{"summary": "5xx above 5%"},
			StartsAt:    now.Add(-time.Minute), GeneratorURL: "http://prometheus/graph", Fingerprint: alert.Fingerprint("fp" + string(rune('a'+i))),
		}})
	}
	if kind == notify.KindResolve {
		n.Status = alert.StatusResolved
		for i := range n.Members {
			n.Members[i].Status = alert.StatusResolved
			n.Members[i].EndsAt = now
		}
	}
	return n
}

func notifier(c *consumer, target config.WebhookTarget) *Notifier {
	target.URL = config.Secret(c.srv.URL + "/hook?token=abc")
	return New(Config{
		Target:    func(r string) (config.WebhookTarget, bool) { return target, r == "hook" },
		Templates: tmpl.Default("https://alertgate.example.com"),
		Client:    notify.Client{Now: func() time.Time { return now }},
	})
}

func TestNotify_SendsAlertmanagerWebhookV4(t *testing.T) {
	c := newConsumer(t)
	n := notifier(c, config.WebhookTarget{HMACSecret: "s3cret", BearerToken: "tok"})
	if err := n.Notify(t.Context(), notification(notify.KindTrigger, 3)); err != nil {
		t.Fatal(err)
	}
	m := c.got[0]
	if m["version"] != "4" || m["groupKey"] != "grp-1" || m["status"] != "firing" || m["receiver"] != "hook" || m["externalURL"] != "https://alertgate.example.com" {
		t.Errorf("payload = %v", m)
	}
	if len(m["alerts"].([]any)) != 3 || m["commonLabels"].(map[string]any)["service"] != "api" || m["commonLabels"].(map[string]any)["pod"] != nil {
		t.Errorf("alerts or common labels wrong: %v", m)
	}
	if rl := m["routeLabels"].(map[string]any); rl["reason"] != "HighErrorRate on api" || rl["team"] != "web" {
		t.Errorf("route labels = %v, want rendered", rl)
	}
	if m["notification_reason"] != "first notification" {
		t.Errorf("notification_reason = %v", m["notification_reason"])
	}
	if m["_signatureValid"] != true {
		t.Error("X-Alertgate-Signature does not verify")
	}
	if h := c.header[0]; h.Get("Authorization") != "Bearer tok" || h.Get("User-Agent") != UserAgent {
		t.Errorf("headers = %v", h)
	}
}

func TestNotify_MaxAlertsAndSendResolved(t *testing.T) {
	c := newConsumer(t)
	no := false
	n := notifier(c, config.WebhookTarget{MaxAlerts: 2, SendResolved: &no})
	if err := n.Notify(t.Context(), notification(notify.KindTrigger, 5)); err != nil {
		t.Fatal(err)
	}
	if m := c.got[0]; len(m["alerts"].([]any)) != 2 || m["truncatedAlerts"].(float64) != 3 {
		t.Errorf("alerts %d, truncated %v; want 2 and 3", len(m["alerts"].([]any)), m["truncatedAlerts"])
	}
	for _, k := range []notify.Kind{notify.KindResolve, notify.KindAcknowledge, notify.KindAnnounce} {
		if err := n.Notify(t.Context(), notification(k, 1)); err != nil {
			t.Fatal(err)
		}
	}
	if len(c.got) != 1 {
		t.Errorf("%d requests, want no resolve (send_resolved: false), acknowledge or announce", len(c.got))
	}
}

func TestNotify_ClassifiesAnswersWithoutRevealingTheURL(t *testing.T) {
	tests := []struct {
		name      string
		status    int
		header    string
		permanent bool
		after     time.Duration
	}{
		{"server error", 503, "", false, 0},
		{"rate limited", 429, "7", false, 7 * time.Second},
		{"bad request", 400, "", true, 0},
		{"gone", 410, "", true, 0},
		{"timeout", 408, "", false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newConsumer(t)
			c.answer = func(w http.ResponseWriter) {
				if tt.header != "" {
					w.Header().Set("Retry-After", tt.header)
				}
				w.WriteHeader(tt.status)
				_, _ = w.Write([]byte("no: " + c.srv.URL + "/hook?token=abc"))
			}
			err := notifier(c, config.WebhookTarget{}).Notify(t.Context(), notification(notify.KindTrigger, 1))
			var ne *notify.Error
			isErr := errors.As(err, &ne)
			if err == nil || (tt.permanent || tt.after > 0) != isErr || isErr && (ne.Permanent != tt.permanent || ne.RetryAfter != tt.after) {
				t.Errorf("error = %#v, want permanent %v, retry after %s", err, tt.permanent, tt.after)
			}
			if err != nil && strings.Contains(err.Error(), "token=abc") {
				t.Errorf("error reveals the URL: %v", err)
			}
		})
	}
	c := newConsumer(t)
	c.srv.Close()
	err := notifier(c, config.WebhookTarget{}).Notify(t.Context(), notification(notify.KindTrigger, 1))
	if err == nil || strings.Contains(err.Error(), "token=abc") {
		t.Errorf("unreachable endpoint: %v, want an error without the URL", err)
	}
}
