package tmpl

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/router/notify"
)

type capture struct{ got *notify.Notification }

func (c *capture) Notify(_ context.Context, n *notify.Notification) error { c.got = n; return nil }

// TestOverride_ImportedTemplateFilesKeepWorking renders an Alertmanager
// template file's definitions, its functions and route labels, as an
// imported configuration would.
func TestOverride_ImportedTemplateFilesKeepWorking(t *testing.T) {
	dir := t.TempDir()
	file := `{{ define "team.title" }}[{{ .Status | toUpper }}{{ if eq .Status "firing" }}:{{ .Alerts.Firing | len }}{{ end }}] {{ .CommonLabels.alertname }}{{ end }}
{{ define "team.text" }}{{ range .Alerts }}{{ .Annotations.summary }} ({{ .Labels.instance }}); {{ end }}{{ routeLabels "reason" }}{{ end }}`
	if err := os.WriteFile(filepath.Join(dir, "team.tmpl"), []byte(file), 0o600); err != nil {
		t.Fatal(err)
	}
	ts, err := New([]string{filepath.Join(dir, "*.tmpl")}, "https://alertgate.example.com")
	if err != nil {
		t.Fatal(err)
	}
	next := &capture{}
	o := Override{Next: next, Templates: ts, Texts: func(string) Texts {
		return Texts{Title: `{{ template "team.title" . }}`, Text: `{{ template "team.text" . }}`}
	}}
	n := &notify.Notification{Status: alert.StatusFiring, Title: "default", Enrichment: notify.Enrichment{Summary: "default", SummarySource: "llm"},
		RouteLabels: map[string]string{"reason": "db {{ .GroupLabels.db }}"}, GroupLabels: map[string]string{"db": "orders"},
		Members: []notify.Member{
			{Alert: alert.Alert{Status: alert.StatusFiring, Labels: map[string]string{"alertname": "Slow", "instance": "a"}, Annotations: map[string]string{"summary": "slow a"}}},
			{Alert: alert.Alert{Status: alert.StatusFiring, Labels: map[string]string{"alertname": "Slow", "instance": "b"}, Annotations: map[string]string{"summary": "slow b"}}},
		}}
	if err := o.Notify(t.Context(), n); err != nil {
		t.Fatal(err)
	}
	if next.got.Title != "[FIRING:2] Slow" || next.got.Enrichment.Summary != "slow a (a); slow b (b); db orders" || next.got.Enrichment.SummarySource != "" {
		t.Errorf("title %q, text %q", next.got.Title, next.got.Enrichment.Summary)
	}
	if n.Title != "default" {
		t.Error("the caller's notification was changed")
	}
	o.Texts = func(string) Texts { return Texts{Title: `{{ template "missing" . }}`} }
	if err := o.Notify(t.Context(), n); err != nil || next.got.Title != "default" {
		t.Errorf("a failing template: %v, title %q; want the default", err, next.got.Title)
	}
}
