package config

import (
	"time"

	"github.com/prometheus/common/model"
)

// WebhookTarget is an HTTP endpoint that receives Alertmanager's webhook
// payload (version 4), so every existing Alertmanager webhook consumer
// works unchanged.
type WebhookTarget struct {
	// URL is where the payload is POSTed; it often carries a token, so it
	// is a secret.
	URL Secret `yaml:"url"`
	// SendResolved sends resolutions too (default true, as in Alertmanager).
	SendResolved *bool `yaml:"send_resolved,omitempty"`
	// MaxAlerts bounds the alerts of one payload (0: all), the rest
	// counted in truncatedAlerts.
	MaxAlerts int `yaml:"max_alerts,omitempty"`
	// BearerToken, if set, is sent as "Authorization: Bearer <token>".
	BearerToken Secret `yaml:"bearer_token,omitempty"`
	// HMACSecret, if set, signs each body: X-Alertgate-Signature
	// "t=<unix>,v1=<hex HMAC-SHA256(secret, t.body)>".
	HMACSecret Secret `yaml:"hmac_secret,omitempty"`
}

// Resolved reports whether resolutions are sent.
func (w *WebhookTarget) Resolved() bool { return w.SendResolved == nil || *w.SendResolved }

// TeamsTarget is a Microsoft Teams channel reached through a Workflows
// ("When a Teams webhook request is received") or incoming webhook URL,
// posted an Adaptive Card.
type TeamsTarget struct {
	WebhookURL Secret `yaml:"webhook_url"`
	// Title and Text are Alertmanager templates replacing the card's
	// title and text.
	Title string `yaml:"title,omitempty"`
	Text  string `yaml:"text,omitempty"`
}

// EmailTarget sends each notification as an email, HTML and text.
type EmailTarget struct {
	To []string `yaml:"to"`
	// From overrides notify.email.from.
	From string `yaml:"from,omitempty"`
	// Subject, HTML and Text are Alertmanager templates replacing the
	// default subject and bodies.
	Subject string `yaml:"subject,omitempty"`
	HTML    string `yaml:"html,omitempty"`
	Text    string `yaml:"text,omitempty"`
	// SendResolved sends resolutions too (default true).
	SendResolved *bool `yaml:"send_resolved,omitempty"`
}

// Resolved reports whether resolutions are sent.
func (e *EmailTarget) Resolved() bool { return e.SendResolved == nil || *e.SendResolved }

// OpsgenieTarget is an Opsgenie team or integration reached with the
// Alert API v2; each incident is one Opsgenie alert (alias = incident
// ID), closed when the incident resolves.
type OpsgenieTarget struct {
	// APIKey is the API integration's key; it overrides
	// notify.opsgenie.api_key.
	APIKey Secret `yaml:"api_key,omitempty"`
	// Responders are teams, users, escalations or schedules:
	// {type: team, name: platform}.
	Responders []OpsgenieResponder `yaml:"responders,omitempty"`
	Tags       []string            `yaml:"tags,omitempty"`
	// Priority is P1..P5; empty derives it from severity (critical P1,
	// warning P3, info P5).
	Priority string `yaml:"priority,omitempty"`
	// Message and Description are Alertmanager templates replacing the
	// defaults.
	Message     string `yaml:"message,omitempty"`
	Description string `yaml:"description,omitempty"`
}

// OpsgenieResponder is one responder of an Opsgenie alert.
type OpsgenieResponder struct {
	// Type is team, user, escalation or schedule.
	Type string `yaml:"type"`
	// Name, ID or Username identifies it (username for users).
	Name     string `yaml:"name,omitempty"`
	ID       string `yaml:"id,omitempty"`
	Username string `yaml:"username,omitempty"`
}

// WebhookNotify configures the generic webhook client.
type WebhookNotify struct {
	Timeout model.Duration `yaml:"timeout"`
	// PerTargetRate is the requests per second one replica sends to one
	// receiver's webhook.
	PerTargetRate float64 `yaml:"per_target_rate"`
}

// TeamsNotify configures the Microsoft Teams client.
type TeamsNotify struct {
	Timeout model.Duration `yaml:"timeout"`
	// PerTargetRate is the messages per second to one webhook; Teams
	// throttles connectors above about 4 a second.
	PerTargetRate float64 `yaml:"per_target_rate"`
}

// EmailNotify configures the SMTP client.
type EmailNotify struct {
	// Smarthost is the SMTP server, host:port (587 submission with
	// STARTTLS, 465 implicit TLS, 25).
	Smarthost string `yaml:"smarthost"`
	From      string `yaml:"from"`
	// Hello is the EHLO name, default localhost.
	Hello        string `yaml:"hello"`
	AuthUsername string `yaml:"auth_username"`
	AuthPassword Secret `yaml:"auth_password"`
	// AuthIdentity is the PLAIN authorization identity, rarely needed.
	AuthIdentity string `yaml:"auth_identity"`
	// RequireTLS refuses to send without STARTTLS (default true).
	RequireTLS *bool `yaml:"require_tls"`
	// InsecureSkipVerify accepts any server certificate (tests, internal
	// relays with private certificates).
	InsecureSkipVerify bool           `yaml:"insecure_skip_verify"`
	Timeout            model.Duration `yaml:"timeout"`
	// PerTargetRate is the emails per second to one receiver.
	PerTargetRate float64 `yaml:"per_target_rate"`
}

// TLSRequired reports whether STARTTLS is required.
func (e *EmailNotify) TLSRequired() bool { return e.RequireTLS == nil || *e.RequireTLS }

// OpsgenieNotify configures the Opsgenie Alert API client.
type OpsgenieNotify struct {
	// APIURL is the API base, default https://api.opsgenie.com (EU:
	// https://api.eu.opsgenie.com).
	APIURL string `yaml:"api_url"`
	// APIKey is the default key of opsgenie targets without their own.
	APIKey  Secret         `yaml:"api_key"`
	Timeout model.Duration `yaml:"timeout"`
	// PerTargetRate is the requests per second to one API key.
	PerTargetRate float64 `yaml:"per_target_rate"`
}

func (n *Notify) applyOutputDefaults() {
	setDefault(&n.Webhook.Timeout, model.Duration(10*time.Second))
	setDefault(&n.Webhook.PerTargetRate, 5.0)
	setDefault(&n.Teams.Timeout, model.Duration(10*time.Second))
	setDefault(&n.Teams.PerTargetRate, 1.0)
	setDefault(&n.Email.Hello, "localhost")
	setDefault(&n.Email.Timeout, model.Duration(30*time.Second))
	setDefault(&n.Email.PerTargetRate, 1.0)
	setDefault(&n.Opsgenie.APIURL, "https://api.opsgenie.com")
	setDefault(&n.Opsgenie.Timeout, model.Duration(10*time.Second))
	setDefault(&n.Opsgenie.PerTargetRate, 2.0)
}
