package teams

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/config"
	"github.com/alertgate/alertgate/router/notify"
)

var now = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

// teamsFake checks each request as a Workflows webhook reads it: a
// message with one Adaptive Card attachment whose elements are known
// card elements, within the message size limit.
func teamsFake(t *testing.T, answer func(w http.ResponseWriter)) (*httptest.Server, *[]map[string]any) {
	var got []map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if len(body) > 28<<10 {
			t.Errorf("message of %d bytes is over Teams' 28 KB", len(body))
		}
		var m struct {
			Type        string `json:"type"`
			Attachments []struct {
				ContentType string          `json:"contentType"`
				ContentURL  json.RawMessage `json:"contentUrl"`
				Content     map[string]any  `json:"content"`
			} `json:"attachments"`
		}
		if err := json.Unmarshal(body, &m); err != nil || m.Type != "message" || len(m.Attachments) != 1 {
			t.Errorf("not a message with one attachment: %s", body)
			return
		}
		a := m.Attachments[0]
		if a.ContentType != "application/vnd.microsoft.card.adaptive" || string(a.ContentURL) != "null" {
			t.Errorf("attachment %s, contentUrl %s", a.ContentType, a.ContentURL)
		}
		c := a.Content
		if c["type"] != "AdaptiveCard" || c["version"] != "1.4" || c["$schema"] != "http://adaptivecards.io/schemas/adaptive-card.json" {
			t.Errorf("card header %v", c)
		}
		for _, e := range c["body"].([]any) {
			el := e.(map[string]any)
			switch el["type"] {
			case "TextBlock":
				if _, ok := el["text"].(string); !ok {
					t.Errorf("TextBlock without text: %v", el)
				}
			case "FactSet":
				for _, f := range el["facts"].([]any) {
					if f.(map[string]any)["title"] == "" || f.(map[string]any)["value"] == "" {
						t.Errorf("empty fact %v", f)
					}
				}
			default:
				t.Errorf("unknown card element %v", el["type"])
			}
		}
		if acts, ok := c["actions"].([]any); ok {
			for _, x := range acts {
				a := x.(map[string]any)
				if a["type"] != "Action.OpenUrl" || !strings.HasPrefix(a["url"].(string), "http") || a["title"] == "" {
					t.Errorf("action %v", a)
				}
			}
		}
		got = append(got, c)
		answer(w)
	}))
	t.Cleanup(srv.Close)
	return srv, &got
}

func note(kind notify.Kind, members int) *notify.Notification {
	n := &notify.Notification{Incident: "g1", IncidentID: "g1-x", Kind: kind, Status: alert.StatusFiring, Severity: alert.SeverityCritical,
		Title: "API 5xx above 5% [click](https://evil.example)", Target: notify.Target{Type: config.TargetTeams, Receiver: "team"},
		GroupLabels: map[string]string{"service": "api"}, Enrichment: notify.Enrichment{Summary: "Errors rose after the deploy.", OnCall: "Sato",
			Runbook: &notify.Runbook{ID: "http-5xx", Title: "HTTP 5xx", URL: "https://runbooks.example.com/http-5xx", Steps: []string{"kubectl -n web rollout undo deploy/api"}}}}
	for i := range members {
		n.Members = append(n.Members, notify.Member{Alert: alert.Alert{Source: alert.SourceAlertmanager, Name: "HighErrorRate", Status: alert.StatusFiring,
			Labels:       map[string]string{"alertname": "HighErrorRate", "pod": strings.Repeat("p", 200) + string(rune('a'+i%26))},
			Annotations:  map[string]string{"dashboard_url": "https://grafana.example.com/d/api", "runbook_url": "javascript:alert(1)"},
			GeneratorURL: "https://prometheus.example.com/graph?g0.expr=x"}})
	}
	return n
}

func notifier(url string, t config.TeamsTarget) *Notifier {
	t.WebhookURL = config.Secret(url)
	return New(Config{Target: func(string) (config.TeamsTarget, bool) { return t, true }, Client: notify.Client{Now: func() time.Time { return now }}})
}

func TestNotify_PostsAnAdaptiveCard(t *testing.T) {
	srv, got := teamsFake(t, func(w http.ResponseWriter) { w.WriteHeader(http.StatusAccepted) })
	if err := notifier(srv.URL+"/workflows/abc", config.TeamsTarget{}).Notify(t.Context(), note(notify.KindTrigger, 300)); err != nil {
		t.Fatal(err)
	}
	c := (*got)[0]
	raw, _ := json.Marshal(c)
	s := string(raw)
	for _, want := range []string{`CRITICAL · FIRING — API 5xx above 5% \\[click\\]\\(https://evil.example\\)`, "Errors rose after the deploy.", "kubectl -n web rollout undo deploy/api", "Sato", "…and"} {
		if !strings.Contains(s, want) {
			t.Errorf("card lacks %q:\n%s", want, s)
		}
	}
	var titles []string
	for _, a := range c["actions"].([]any) {
		titles = append(titles, a.(map[string]any)["title"].(string))
	}
	if strings.Join(titles, ",") != "Runbook,Dashboard,Prometheus graph" {
		t.Errorf("buttons = %v, want runbook, dashboard, graph (no javascript: link)", titles)
	}
}

func TestNotify_TemplatesAndConnectorAnswers(t *testing.T) {
	srv, got := teamsFake(t, func(w http.ResponseWriter) { _, _ = w.Write([]byte("1")) })
	n := notifier(srv.URL, config.TeamsTarget{Title: `{{ .Status | toUpper }}: {{ .CommonLabels.alertname }}`})
	if err := n.Notify(t.Context(), note(notify.KindResolve, 1)); err != nil {
		t.Fatal(err)
	}
	if title := (*got)[0]["body"].([]any)[0].(map[string]any)["text"]; title != "FIRING: HighErrorRate" {
		t.Errorf("templated title = %q", title)
	}
	for _, tt := range []struct {
		body      string
		status    int
		permanent bool
		after     time.Duration
	}{
		{"Microsoft Teams endpoint returned HTTP error 429 with ContextId tcid=0", 200, false, notify.DefaultRetryAfter},
		{"Webhook Bad Request - Null or empty event", 400, true, 0},
		{"", 502, false, 0},
	} {
		srv, _ := teamsFake(t, func(w http.ResponseWriter) { w.WriteHeader(tt.status); _, _ = w.Write([]byte(tt.body)) })
		err := notifier(srv.URL+"/secret-path", config.TeamsTarget{}).Notify(t.Context(), note(notify.KindTrigger, 1))
		var ne *notify.Error
		classified := errors.As(err, &ne)
		if err == nil || classified != (tt.permanent || tt.after > 0) || classified && (ne.Permanent != tt.permanent || ne.RetryAfter != tt.after) {
			t.Errorf("%d %q: error %v", tt.status, tt.body, err)
		}
		if err != nil && strings.Contains(err.Error(), "secret-path") {
			t.Errorf("error reveals the webhook URL: %v", err)
		}
	}
}
