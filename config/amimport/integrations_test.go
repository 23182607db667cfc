package amimport

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/alertgate/alertgate/config"
)

// TestConvert_EveryIntegration converts a configuration that uses every
// integration and key the importer handles, and checks what each became.
func TestConvert_EveryIntegration(t *testing.T) {
	res := check(t, "testdata/every-integration.yml")
	out := string(res.YAML)
	for _, secret := range []string{"opsgenie-global-key", "smtp-password-secret", "pagerduty-routing-secret", "opsgenie-receiver-key", "webhook-url-secret", "webhook-bearer-secret", "teams-url-secret", "xoxb-slack-bot-secret", "/etc/alertmanager/secrets/slack-webhook\n"} {
		if strings.Contains(out, secret) {
			t.Errorf("secret %q copied into the output", secret)
		}
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "alertgate.yml")
	if err := os.WriteFile(file, res.YAML, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.LoadFile(file, placeholders(res))
	if err != nil {
		t.Fatal(err)
	}
	rc := map[string]config.Receiver{}
	for _, r := range cfg.Receivers {
		rc[r.Name] = r
	}
	if r := rc["default"]; r.Slack == nil || !r.Slack.WebhookURL.IsSet() || r.Slack.Title != "" || r.Slack.Text == "" {
		t.Errorf("default: %+v (webhook from the global slack_api_url_file, default title dropped, custom text kept)", r.Slack)
	}
	if r := rc["pager"]; r.PagerDuty == nil || r.PagerDuty.Summary != "{{ .CommonLabels.alertname }} on {{ .CommonLabels.service }}" || r.Opsgenie == nil ||
		r.Opsgenie.Priority != "P2" || strings.Join(r.Opsgenie.Tags, ",") != "prod,platform" || len(r.Opsgenie.Responders) != 1 {
		t.Errorf("pager: %+v %+v", r.PagerDuty, r.Opsgenie)
	}
	if r := rc["dba"]; r.Email == nil || len(r.Email.To) != 2 || r.Email.Subject == "" || r.Webhook == nil || r.Webhook.MaxAlerts != 20 || !r.Webhook.BearerToken.IsSet() {
		t.Errorf("dba: %+v %+v", r.Email, r.Webhook)
	}
	if r := rc["frontend"]; r.Teams == nil || r.Teams.Title == "" || r.Slack == nil || r.Slack.Channel != "#frontend" || !cfg.Notify.Slack.Token.IsSet() {
		t.Errorf("frontend: %+v %+v, bot token set %v", r.Teams, r.Slack, cfg.Notify.Slack.Token.IsSet())
	}
	if r := rc["blackhole"]; r.Log == nil {
		t.Errorf("blackhole: %+v, want log", r)
	}
	n := cfg.Notify
	if n.PagerDuty.URL != "https://events.eu.pagerduty.com" || n.Opsgenie.APIURL != "https://api.eu.opsgenie.com" || n.Email.Smarthost != "smtp.example.com:587" || !n.Email.AuthPassword.IsSet() {
		t.Errorf("notify: %+v %+v %+v", n.PagerDuty, n.Opsgenie, n.Email)
	}
	if cfg.Route.Labels["team"] != "platform" || len(cfg.MuteTimeIntervals) != 1 || len(cfg.TimeIntervals) != 2 || len(cfg.InhibitRules) != 1 {
		t.Errorf("route labels %v, intervals %d+%d, inhibit rules %d", cfg.Route.Labels, len(cfg.TimeIntervals), len(cfg.MuteTimeIntervals), len(cfg.InhibitRules))
	}
	if got := cfg.Store.Retention.String(); got != "14d" && got != "2w" {
		t.Errorf("store.retention = %s, want the 14d repeat interval", got)
	}
	if cfg.Templates[0] != filepath.Join(filepath.Dir(file), "..", "..") && !strings.HasSuffix(cfg.Templates[0], "templates/*.tmpl") {
		t.Errorf("templates = %v", cfg.Templates)
	}
	for _, want := range []string{
		"global.resolve_timeout",
		"slack_configs[0].icon_emoji",
		"pagerduty_configs[0].severity",
		"opsgenie_configs[0].responders[1]: templated responders",
		"email_configs[1]: an alertgate receiver has one email target",
		"inhibit_rules[1]",
	} {
		found := false
		for _, d := range res.Dropped {
			found = found || strings.Contains(d.String(), want)
		}
		if !found {
			t.Errorf("no note about %s; notes: %v", want, res.Dropped)
		}
	}
}
