package config

import (
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"strings"
)

// validateOutputs checks the webhook, Teams, email and Opsgenie targets
// and their clients. Credentials may be missing in a dry run, as for
// PagerDuty and Slack.
func (c *Config) validateOutputs(v *validator) {
	dry := c.Notify.DryRun
	for i, r := range c.Receivers {
		path := fmt.Sprintf("receivers[%d]", i)
		if w := r.Webhook; w != nil {
			checkURL(v, path+".webhook.url", w.URL, true)
			if w.MaxAlerts < 0 {
				v.add(path+".webhook.max_alerts", "must not be negative (0 sends every alert)")
			}
		}
		if t := r.Teams; t != nil {
			checkURL(v, path+".teams.webhook_url", t.WebhookURL, !dry)
		}
		if e := r.Email; e != nil {
			c.validateEmail(v, path+".email", e)
		}
		if o := r.Opsgenie; o != nil {
			c.validateOpsgenie(v, path+".opsgenie", o)
		}
	}
	n := c.Notify
	if n.Opsgenie.APIURL != "" {
		checkURL(v, "notify.opsgenie.api_url", Secret(n.Opsgenie.APIURL), true)
	}
	for path, d := range map[string]float64{"notify.webhook.per_target_rate": n.Webhook.PerTargetRate, "notify.teams.per_target_rate": n.Teams.PerTargetRate, "notify.email.per_target_rate": n.Email.PerTargetRate, "notify.opsgenie.per_target_rate": n.Opsgenie.PerTargetRate} {
		if d <= 0 {
			v.add(path, "must be positive")
		}
	}
	if h := n.Email.Smarthost; h != "" {
		if _, port, err := net.SplitHostPort(h); err != nil || port == "" {
			v.add("notify.email.smarthost", "must be host:port, got %q", h)
		}
	}
}

func (c *Config) validateEmail(v *validator, path string, e *EmailTarget) {
	if len(e.To) == 0 {
		v.add(path+".to", "must list at least one address")
	}
	for j, to := range e.To {
		if _, err := mail.ParseAddress(to); err != nil {
			v.add(fmt.Sprintf("%s.to[%d]", path, j), "%q is not an email address", to)
		}
	}
	from := e.From
	if from == "" {
		from = c.Notify.Email.From
	}
	if c.Notify.DryRun {
		return
	}
	if from == "" {
		v.add(path+".from", "must be set, here or as notify.email.from")
	} else if _, err := mail.ParseAddress(from); err != nil {
		v.add(path+".from", "%q is not an email address", from)
	}
	if c.Notify.Email.Smarthost == "" {
		v.add("notify.email.smarthost", "must be set for email receivers (host:port of the SMTP server)")
	}
}

func (c *Config) validateOpsgenie(v *validator, path string, o *OpsgenieTarget) {
	if !o.APIKey.IsSet() && !c.Notify.Opsgenie.APIKey.IsSet() && !c.Notify.DryRun {
		v.add(path+".api_key", "must be set, here or as notify.opsgenie.api_key (or run with notify.dry_run: true)")
	}
	switch o.Priority {
	case "", "P1", "P2", "P3", "P4", "P5":
	default:
		v.add(path+".priority", "must be P1 to P5, got %q", o.Priority)
	}
	for j, r := range o.Responders {
		rp := fmt.Sprintf("%s.responders[%d]", path, j)
		switch r.Type {
		case "team", "user", "escalation", "schedule":
		default:
			v.add(rp+".type", "must be team, user, escalation or schedule, got %q", r.Type)
		}
		if r.Name == "" && r.ID == "" && r.Username == "" {
			v.add(rp, "set name, id or username")
		}
	}
}

// checkURL reports a value that is not an absolute http(s) URL, without
// quoting it: URLs of webhooks are secrets.
func checkURL(v *validator, path string, s Secret, required bool) {
	if !s.IsSet() {
		if required {
			v.add(path, "must be set")
		}
		return
	}
	u, err := url.Parse(s.Reveal())
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || strings.ContainsAny(s.Reveal(), " \n") {
		v.add(path, "must be an absolute http(s) URL")
	}
}
