package amimport

import (
	"fmt"
	"net/mail"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

// receiver is one receiver being converted.
type receiver struct {
	c    *converter
	name string
	out  *obj
	// notes are this receiver's dropped settings, for its comment.
	notes []string
}

func (r *receiver) drop(line int, path, reason string) {
	full := fmt.Sprintf("receivers[%s].%s", r.name, path)
	r.c.drop(line, full, reason)
	r.notes = append(r.notes, fmt.Sprintf("%s (line %d): %s", path, line, reason))
}

// receivers converts every receiver. One without any target alertgate
// can deliver to (Alertmanager's "blackhole", or only unsupported
// integrations) logs its notifications instead, with a comment.
func (c *converter) receivers(n *yaml.Node) {
	list := &yaml.Node{Kind: yaml.SequenceNode}
	for _, rn := range items(n) {
		r := &receiver{c: c, name: str(rn, "name"), out: newObj()}
		r.out.setStr("name", r.name)
		pairs(rn, func(k, v *yaml.Node) {
			switch k.Value {
			case "name":
			case "pagerduty_configs":
				r.each(k, v, "pagerduty", r.pagerduty)
			case "slack_configs":
				r.each(k, v, "slack", r.slack)
			case "webhook_configs":
				r.each(k, v, "webhook", r.webhook)
			case "email_configs":
				r.each(k, v, "email", r.email)
			case "msteams_configs", "msteamsv2_configs":
				r.each(k, v, "teams", r.teams)
			case "opsgenie_configs":
				r.each(k, v, "opsgenie", r.opsgenie)
			default:
				r.drop(k.Line, k.Value, "alertgate has no such integration")
			}
		})
		if len(r.out.n.Content) == 2 {
			r.out.set("log", newObj().n)
			r.notes = append(r.notes, "no target alertgate delivers to: notifications are logged instead")
		}
		if len(r.notes) > 0 {
			r.out.n.Content[0].HeadComment = "Not carried over:\n" + strings.Join(r.notes, "\n")
		}
		list.Content = append(list.Content, r.out.n)
	}
	c.out.set("receivers", list)
}

// each converts the entries of one *_configs list. An alertgate receiver
// has one target of each type, so later entries of a type are dropped.
func (r *receiver) each(k, v *yaml.Node, typ string, f func(path string, cfg *yaml.Node) *obj) {
	for i, cfg := range items(v) {
		path := fmt.Sprintf("%s[%d]", k.Value, i)
		if r.out.has(typ) {
			r.drop(cfg.Line, path, "an alertgate receiver has one "+typ+" target; route to a second receiver with continue: true for more")
			continue
		}
		if target := f(path, cfg); target != nil {
			r.out.set(typ, target.n)
		}
	}
}

// known marks settings a converter reads; anything else in an entry is
// reported as not carried over.
func (r *receiver) rest(path string, cfg *yaml.Node, known ...string) {
	pairs(cfg, func(k, v *yaml.Node) {
		for _, kn := range known {
			if k.Value == kn {
				return
			}
		}
		switch k.Value {
		case "send_resolved":
			if v.Value == "false" {
				r.drop(k.Line, path+".send_resolved", "alertgate always tells this target when the incident resolves")
			}
			return
		case "http_config":
			r.drop(k.Line, path+".http_config", "alertgate's clients take no proxy or TLS settings per receiver")
			return
		}
		r.drop(k.Line, path+"."+k.Value, reasonFor(k.Value))
	})
}

// reasonFor says why a setting of an integration is not carried over.
func reasonFor(key string) string {
	switch key {
	case "timeout":
		return "one timeout per integration type applies (notify.<type>.timeout)"
	case "severity", "priority", "class", "component", "group":
		return "alertgate derives it from the alerts (severity, service, namespace, alertname)"
	case "details", "custom_fields":
		return "alertgate sends its own details: summary, runbook, on-call and every alert"
	case "links", "images", "client", "client_url", "title_link", "image_url", "thumb_url":
		return "alertgate links the runbook, dashboard and source pages itself"
	case "source":
		return "alertgate names the affected service or host as the source"
	case "max_alerts", "payload":
		return "not supported for this integration"
	}
	return "alertgate lays out this part of the message itself"
}

// templateField carries a text template over unless it is Alertmanager's
// default, which alertgate's own default replaces.
func templateField(o *obj, key string, v *yaml.Node) {
	if v == nil || v.Value == "" || strings.Contains(v.Value, `.default.`) {
		return
	}
	o.setStr(key, v.Value)
}

// secretOf converts a secret setting (key or key_file) of cfg, else the
// global fallback; nil when neither is set.
func (r *receiver) secretOf(path string, cfg *yaml.Node, key, globalKey, kind string, isURL bool) *yaml.Node {
	for _, k := range []string{key, key + "_file"} {
		if v := get(cfg, k); v != nil && v.Value != "" {
			return r.c.secret(kind+"_"+r.name+"_"+key, fmt.Sprintf("receivers[%s].%s.%s", r.name, path, k), fileOf(k, v), isURL)
		}
	}
	if globalKey == "" {
		return nil
	}
	for _, k := range []string{globalKey, globalKey + "_file"} {
		if v := get(r.c.global, k); v != nil && v.Value != "" {
			return r.c.secret(kind+"_"+r.name+"_"+key, "global."+k, fileOf(k, v), isURL)
		}
	}
	return nil
}

func (r *receiver) pagerduty(path string, cfg *yaml.Node) *obj {
	o := newObj()
	key := r.secretOf(path, cfg, "routing_key", "", "pagerduty", false)
	if key == nil {
		key = r.secretOf(path, cfg, "service_key", "", "pagerduty", false)
		r.drop(cfg.Line, path+".service_key", "an Events API v1 key: create an Events API v2 integration on the service and put its routing key in the variable")
	}
	o.set("routing_key", key)
	templateField(o, "summary", get(cfg, "description"))
	r.c.endpoint(cfg.Line, path+".url", "pagerduty", "url", strings.TrimSuffix(strings.TrimSuffix(str(cfg, "url"), "/"), "/v2/enqueue"))
	r.rest(path, cfg, "routing_key", "routing_key_file", "service_key", "service_key_file", "description", "url")
	return o
}

// slackPostMessage is the Web API method a bot token posts with.
var slackPostMessage = regexp.MustCompile(`^https://slack\.com/api/chat\.postMessage/?$`)

func (r *receiver) slack(path string, cfg *yaml.Node) *obj {
	o := newObj()
	channel := str(cfg, "channel")
	known := []string{"api_url", "api_url_file", "channel", "title", "text", "app_token", "app_token_file", "app_url"}
	switch {
	case get(cfg, "app_token") != nil || get(cfg, "app_token_file") != nil || get(r.c.global, "slack_app_token") != nil || get(r.c.global, "slack_app_token_file") != nil:
		r.botToken(func() *yaml.Node { return r.secretOf(path, cfg, "app_token", "slack_app_token", "slack", false) })
	case slackPostMessage.MatchString(str(cfg, "api_url")) && hasCredentials(cfg):
		r.botToken(func() *yaml.Node {
			_, file := credentials(cfg)
			return r.c.secret("SLACK_BOT_TOKEN", fmt.Sprintf("receivers[%s].%s.http_config.authorization", r.name, path), file, false)
		})
		known = append(known, "http_config")
	default:
		hook := r.secretOf(path, cfg, "api_url", "slack_api_url", "slack", true)
		if hook == nil {
			r.drop(cfg.Line, path, "no api_url: nowhere to send")
			return nil
		}
		o.set("webhook_url", hook)
		if channel != "" {
			if v := get(cfg, "channel"); v != nil {
				r.drop(v.Line, path+".channel", "an incoming webhook posts to its own channel (give alertgate a bot token, notify.slack.token, to choose the channel)")
			}
		}
		channel = ""
	}
	if channel != "" {
		o.setStr("channel", channel)
	}
	templateField(o, "title", get(cfg, "title"))
	templateField(o, "text", get(cfg, "text"))
	r.rest(path, cfg, known...)
	return o
}

// botToken sets alertgate's Slack bot token, once for all receivers:
// the first receiver's token is the one.
func (r *receiver) botToken(token func() *yaml.Node) {
	if sl := r.c.out.child("notify").child("slack"); !sl.has("token") {
		if v := token(); v != nil {
			sl.set("token", v)
		}
	}
}

func hasCredentials(cfg *yaml.Node) bool { ok, _ := credentials(cfg); return ok }

// credentials returns http_config's bearer credentials, if any, and
// the file they are read from when they are (never the secret itself).
func credentials(cfg *yaml.Node) (found bool, file string) {
	a := get(get(cfg, "http_config"), "authorization")
	if a == nil || (str(a, "type") != "" && !strings.EqualFold(str(a, "type"), "Bearer")) {
		return false, ""
	}
	if get(a, "credentials") != nil {
		return true, ""
	}
	if f := get(a, "credentials_file"); f != nil {
		return true, f.Value
	}
	return false, ""
}

func (r *receiver) webhook(path string, cfg *yaml.Node) *obj {
	o := newObj()
	hook := r.secretOf(path, cfg, "url", "", "webhook", true)
	if hook == nil {
		r.drop(cfg.Line, path, "no url: nowhere to send")
		return nil
	}
	o.set("url", hook)
	if v := get(cfg, "send_resolved"); v != nil && v.Value == "false" {
		o.set("send_resolved", boolean(false))
	}
	if v := str(cfg, "max_alerts"); v != "" && v != "0" {
		o.set("max_alerts", &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: v})
	}
	known := []string{"url", "url_file", "send_resolved", "max_alerts"}
	if ok, file := credentials(cfg); ok {
		o.set("bearer_token", r.c.secret("webhook_"+r.name+"_bearer_token", fmt.Sprintf("receivers[%s].%s.http_config.authorization", r.name, path), file, false))
		if len(get(cfg, "http_config").Content) == 2 {
			known = append(known, "http_config")
		}
	}
	r.rest(path, cfg, known...)
	return o
}

func (r *receiver) email(path string, cfg *yaml.Node) *obj {
	o := newObj()
	var to []string
	for _, a := range strings.Split(str(cfg, "to"), ",") {
		if a = strings.TrimSpace(a); a == "" {
			continue
		}
		if _, err := mail.ParseAddress(a); err != nil {
			r.drop(cfg.Line, path+".to", fmt.Sprintf("%q is not an address (alertgate's recipients are not templates)", a))
			continue
		}
		to = append(to, a)
	}
	if len(to) == 0 {
		r.drop(cfg.Line, path, "no recipient alertgate can use")
		return nil
	}
	o.set("to", list(to...))
	if from := str(cfg, "from"); from != "" {
		o.setStr("from", from)
	}
	for _, k := range []string{"smarthost", "hello", "auth_username", "auth_identity", "require_tls"} {
		if v := get(cfg, k); v != nil {
			r.c.smtp(k, v)
		}
	}
	for _, k := range []string{"auth_password", "auth_password_file"} {
		if v := get(cfg, k); v != nil {
			if e := r.c.out.child("notify").child("email"); !e.has("auth_password") {
				e.set("auth_password", r.c.secret("SMTP_AUTH_PASSWORD", fmt.Sprintf("receivers[%s].%s.%s", r.name, path, k), fileOf(k, v), false))
			} else {
				r.drop(v.Line, path+"."+k, "alertgate has one SMTP login (notify.email), taken from the first one")
			}
		}
	}
	if subject := str(get(cfg, "headers"), "Subject"); subject != "" {
		templateField(o, "subject", scalar(subject))
	}
	templateField(o, "html", get(cfg, "html"))
	templateField(o, "text", get(cfg, "text"))
	if v := get(cfg, "send_resolved"); v != nil && v.Value == "true" {
		o.set("send_resolved", boolean(true))
	}
	r.rest(path, cfg, "to", "from", "smarthost", "hello", "auth_username", "auth_identity", "require_tls", "auth_password", "auth_password_file", "headers", "html", "text", "send_resolved")
	return o
}

func (r *receiver) teams(path string, cfg *yaml.Node) *obj {
	o := newObj()
	hook := r.secretOf(path, cfg, "webhook_url", "", "teams", true)
	if hook == nil {
		r.drop(cfg.Line, path, "no webhook_url: nowhere to send")
		return nil
	}
	o.set("webhook_url", hook)
	templateField(o, "title", get(cfg, "title"))
	templateField(o, "text", get(cfg, "text"))
	r.rest(path, cfg, "webhook_url", "webhook_url_file", "title", "text")
	return o
}

var priority = regexp.MustCompile(`^P[1-5]$`)

func (r *receiver) opsgenie(path string, cfg *yaml.Node) *obj {
	o := newObj()
	if get(cfg, "api_key") != nil || get(cfg, "api_key_file") != nil {
		o.set("api_key", r.secretOf(path, cfg, "api_key", "", "opsgenie", false))
	}
	r.c.endpoint(cfg.Line, path+".api_url", "opsgenie", "api_url", strings.TrimSuffix(strings.TrimSuffix(str(cfg, "api_url"), "/"), "/v2/alerts"))
	templateField(o, "message", get(cfg, "message"))
	templateField(o, "description", get(cfg, "description"))
	if p := str(cfg, "priority"); priority.MatchString(p) {
		o.setStr("priority", p)
	} else if p != "" {
		r.drop(cfg.Line, path+".priority", "a templated priority; alertgate derives it from severity")
	}
	if tags := str(cfg, "tags"); tags != "" && !strings.Contains(tags, "{{") {
		var ts []string
		for _, t := range strings.Split(tags, ",") {
			if t = strings.TrimSpace(t); t != "" {
				ts = append(ts, t)
			}
		}
		o.set("tags", list(ts...))
	} else if tags != "" {
		r.drop(cfg.Line, path+".tags", "templated tags")
	}
	r.responders(path, cfg, o)
	r.rest(path, cfg, "api_key", "api_key_file", "api_url", "message", "description", "priority", "tags", "responders")
	return o
}

func (r *receiver) responders(path string, cfg *yaml.Node, o *obj) {
	out := &yaml.Node{Kind: yaml.SequenceNode}
	for i, rs := range items(get(cfg, "responders")) {
		typ := str(rs, "type")
		if strings.Contains(typ+str(rs, "name")+str(rs, "id")+str(rs, "username"), "{{") || typ == "teams" {
			r.drop(rs.Line, fmt.Sprintf("%s.responders[%d]", path, i), "templated responders")
			continue
		}
		ro := newObj()
		ro.setStr("type", typ)
		for _, k := range []string{"name", "id", "username"} {
			if v := str(rs, k); v != "" {
				ro.setStr(k, v)
			}
		}
		out.Content = append(out.Content, ro.n)
	}
	if len(out.Content) > 0 {
		o.set("responders", out)
	}
}
