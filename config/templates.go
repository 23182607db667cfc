package config

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/prometheus/alertmanager/template"
)

// Path resolves p, a path from the configuration file, against the
// file's directory.
func (c *Config) Path(p string) string {
	if p == "" || filepath.IsAbs(p) || c.dir == "" {
		return p
	}
	return filepath.Join(c.dir, p)
}

// TemplateFiles are the templates globs, resolved against the
// configuration file's directory.
func (c *Config) TemplateFiles() []string {
	out := make([]string, len(c.Templates))
	for i, g := range c.Templates {
		out[i] = c.Path(g)
	}
	return out
}

// templateFields lists every receiver field that is an Alertmanager
// template, by key path.
func (c *Config) templateFields() map[string]string {
	out := map[string]string{}
	add := func(path, text string) {
		if text != "" {
			out[path] = text
		}
	}
	for i, r := range c.Receivers {
		p := fmt.Sprintf("receivers[%d]", i)
		if t := r.PagerDuty; t != nil {
			add(p+".pagerduty.summary", t.Summary)
		}
		if t := r.Slack; t != nil {
			add(p+".slack.title", t.Title)
			add(p+".slack.text", t.Text)
		}
		if t := r.Teams; t != nil {
			add(p+".teams.title", t.Title)
			add(p+".teams.text", t.Text)
		}
		if t := r.Email; t != nil {
			add(p+".email.subject", t.Subject)
			add(p+".email.html", t.HTML)
			add(p+".email.text", t.Text)
		}
		if t := r.Opsgenie; t != nil {
			add(p+".opsgenie.message", t.Message)
			add(p+".opsgenie.description", t.Description)
		}
	}
	return out
}

// routeLabelFields lists the route labels, templates too, by key path.
func (c *Config) routeLabelFields(v *validator) map[string]string {
	out := map[string]string{}
	if c.Route == nil {
		return out
	}
	c.Route.visit("route", func(path string, r *Route) {
		for k, val := range r.Labels {
			if !k.IsValid() {
				v.add(path+".labels", "invalid label name %q", k)
				continue
			}
			out[path+".labels."+string(k)] = string(val)
		}
	})
	return out
}

// validateTemplates parses the template files and every template field,
// so that a template that does not parse stops the start instead of a
// notification. Executing them is left to delivery, where a failure falls
// back to the default text.
func (c *Config) validateTemplates(v *validator) {
	t, err := template.FromGlobs(c.TemplateFiles())
	if err != nil {
		v.add("templates", "%v", err)
		return
	}
	d := &template.Data{Status: "firing", Alerts: template.Alerts{{Status: "firing", Labels: template.KV{}, Annotations: template.KV{}}}}
	fields := c.templateFields()
	for k, val := range c.routeLabelFields(v) {
		fields[k] = val
	}
	for path, text := range fields {
		// A trial run finds syntax errors, unknown functions and
		// templates; other execution errors depend on the alerts (an
		// index past the end of an empty list) and are left to delivery.
		_, err := t.ExecuteTextString(text, d)
		if err != nil && (!strings.Contains(err.Error(), "executing") || strings.Contains(err.Error(), "no such template")) {
			v.add(path, "template: %v", err)
		}
	}
}
