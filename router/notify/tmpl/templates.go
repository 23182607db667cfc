package tmpl

import (
	"fmt"
	"net/url"

	"github.com/prometheus/alertmanager/template"

	"github.com/alertgate/alertgate/router/notify"
)

// Templates are Alertmanager's default templates plus the configured
// template files, with the URL people reach alertgate at.
type Templates struct {
	t           *template.Template
	externalURL string
}

// New parses Alertmanager's default templates and every file matching
// globs (a glob matching nothing is not an error, as in Alertmanager).
func New(globs []string, externalURL string) (*Templates, error) {
	t, err := template.FromGlobs(globs)
	if err != nil {
		return nil, fmt.Errorf("templates: %w", err)
	}
	if externalURL != "" {
		u, err := url.Parse(externalURL)
		if err != nil {
			return nil, fmt.Errorf("templates: external URL: %w", err)
		}
		t.ExternalURL = u
	}
	return &Templates{t: t, externalURL: externalURL}, nil
}

// Data is the template data of n with its route labels rendered, as
// Alertmanager hands it to templates and webhooks. A route label that
// does not render is left out (and reported in err), as Alertmanager
// leaves it out.
func (t *Templates) Data(n *notify.Notification) (*template.Data, error) {
	d := Data(n, t.externalURL)
	if len(d.RouteLabels) == 0 {
		return d, nil
	}
	render := t.t.RouteLabelRenderer(d)
	rendered := template.KV{}
	var firstErr error
	for k := range d.RouteLabels {
		v, err := render(k)
		if err != nil {
			if firstErr == nil {
				firstErr = fmt.Errorf("route label %s: %w", k, err)
			}
			continue
		}
		rendered[k] = v
	}
	d.RouteLabels = rendered
	template.MarkRouteLabelsRendered(d)
	return d, firstErr
}

// Text executes text, an Alertmanager text template, on d.
func (t *Templates) Text(text string, d *template.Data) (string, error) {
	return t.t.ExecuteTextString(text, d)
}

// HTML executes html, an Alertmanager HTML template (escaping values),
// on d.
func (t *Templates) HTML(html string, d *template.Data) (string, error) {
	return t.t.ExecuteHTMLString(html, d)
}

// Default returns Alertmanager's default templates alone. Those are
// compiled into the binary and always parse; should they not, an empty
// set is returned and every template field renders empty (callers then
// use their own defaults).
func Default(externalURL string) *Templates {
	if t, err := New(nil, externalURL); err == nil {
		return t
	}
	t, _ := template.New()
	return &Templates{t: t, externalURL: externalURL}
}
