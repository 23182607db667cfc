package amimport

import (
	"bytes"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	amconfig "github.com/prometheus/alertmanager/config"
	"github.com/prometheus/common/model"
	"gopkg.in/yaml.v3"
)

// Options configure a conversion.
type Options struct {
	// SourceDir is the directory of the Alertmanager configuration, and
	// OutputDir that of the alertgate configuration: relative template
	// paths are rewritten from one to the other.
	SourceDir, OutputDir string
}

// Result is a converted configuration.
type Result struct {
	// YAML is the alertgate configuration, with comments.
	YAML []byte
	// Env are the environment variables the configuration reads.
	Env []Var
	// Dropped is what was not carried over, and why.
	Dropped []Note
}

// Var is one environment variable the output references.
type Var struct {
	Name string
	// From is where the secret was in the Alertmanager configuration.
	From string
	// File is the file Alertmanager read it from, if it did.
	File string
	// URL says the value is a URL (a webhook), not a token.
	URL bool
}

// Note is one thing not carried over.
type Note struct {
	Line   int
	Path   string
	Reason string
}

func (n Note) String() string {
	if n.Line > 0 {
		return fmt.Sprintf("line %d: %s: %s", n.Line, n.Path, n.Reason)
	}
	return n.Path + ": " + n.Reason
}

// converter holds one conversion's state.
type converter struct {
	opts    Options
	out     *obj
	env     []Var
	names   map[string]int
	dropped []Note
	// global settings shared by the receivers.
	global *yaml.Node
}

// Convert turns an Alertmanager configuration into an alertgate one.
func Convert(data []byte, opts Options) (*Result, error) {
	if _, err := amconfig.Load(string(data)); err != nil {
		return nil, fmt.Errorf("not a valid Alertmanager configuration: %w", err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil || len(doc.Content) == 0 {
		return nil, fmt.Errorf("reading the Alertmanager configuration: %v", err)
	}
	root := doc.Content[0]
	c := &converter{opts: opts, out: newObj(), names: map[string]int{}, global: get(root, "global")}
	c.sources()
	c.convertGlobal()
	handled := map[string]bool{"global": true}
	for _, step := range []struct {
		key string
		f   func(*yaml.Node)
	}{
		{"templates", c.templates},
		{"receivers", c.receivers},
		{"route", c.route},
		{"inhibit_rules", c.copyAs("inhibit_rules")},
		{"time_intervals", c.copyAs("time_intervals")},
		{"mute_time_intervals", c.copyAs("mute_time_intervals")},
	} {
		handled[step.key] = true
		if n := get(root, step.key); n != nil {
			step.f(n)
		}
	}
	pairs(root, func(k, _ *yaml.Node) {
		if !handled[k.Value] {
			c.drop(k.Line, k.Value, "alertgate has no equivalent")
		}
	})
	c.retention(root)
	return c.result()
}

// drop records something not carried over.
func (c *converter) drop(line int, path, reason string) {
	c.dropped = append(c.dropped, Note{Line: line, Path: path, Reason: reason})
}

// secret returns a ${VAR} reference for a secret found at from,
// registering the variable.
func (c *converter) secret(name, from, file string, isURL bool) *yaml.Node {
	name = envName(name)
	if n := c.names[name]; n > 0 {
		c.names[name]++
		name = fmt.Sprintf("%s_%d", name, n+1)
	} else {
		c.names[name] = 1
	}
	c.env = append(c.env, Var{Name: name, From: from, File: file, URL: isURL})
	return &yaml.Node{Kind: yaml.ScalarNode, Value: "${" + name + "}"}
}

// envName makes an environment variable name: upper case, letters,
// digits and underscores.
func envName(s string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		if r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else if b.Len() > 0 && !strings.HasSuffix(b.String(), "_") {
			b.WriteByte('_')
		}
	}
	return strings.Trim(b.String(), "_")
}

// sources turns on the Alertmanager endpoint only: after the migration
// Alertmanager sends its alerts to alertgate.
func (c *converter) sources() {
	s := c.out.child("sources")
	am := s.child("alertmanager")
	am.set("token", c.secret("ALERTGATE_ALERTMANAGER_TOKEN", "the token Alertmanager's webhook_config sends to alertgate", "", false))
	s.child("newrelic").set("disabled", boolean(true))
	s.child("cloudwatch").set("disabled", boolean(true))
}

// convertGlobal carries over the provider endpoints and the SMTP
// settings; the receivers read the API URLs and keys themselves.
func (c *converter) convertGlobal() {
	g := c.global
	pairs(g, func(k, v *yaml.Node) {
		switch k.Value {
		case "resolve_timeout":
			c.drop(k.Line, "global.resolve_timeout", "alertgate takes an alert's end from its sender (keep send_resolved on in Alertmanager's webhook to alertgate)")
		case "pagerduty_url":
			c.endpoint(k.Line, "global.pagerduty_url", "pagerduty", "url", strings.TrimSuffix(strings.TrimSuffix(v.Value, "/"), "/v2/enqueue"))
		case "opsgenie_api_url":
			c.endpoint(k.Line, "global.opsgenie_api_url", "opsgenie", "api_url", strings.TrimSuffix(strings.TrimSuffix(v.Value, "/"), "/v2/alerts"))
		case "opsgenie_api_key", "opsgenie_api_key_file":
			c.out.child("notify").child("opsgenie").set("api_key", c.secret("OPSGENIE_API_KEY", "global."+k.Value, fileOf(k.Value, v), false))
		case "smtp_smarthost", "smtp_from", "smtp_hello", "smtp_auth_username", "smtp_auth_identity", "smtp_require_tls":
			c.smtp(strings.TrimPrefix(k.Value, "smtp_"), v)
		case "smtp_auth_password", "smtp_auth_password_file", "smtp_auth_secret", "smtp_auth_secret_file":
			if strings.HasPrefix(k.Value, "smtp_auth_secret") {
				c.drop(k.Line, "global."+k.Value, "CRAM-MD5 secrets are not supported; use PLAIN or LOGIN with auth_password")
				return
			}
			c.out.child("notify").child("email").set("auth_password", c.secret("SMTP_AUTH_PASSWORD", "global."+k.Value, fileOf(k.Value, v), false))
		case "slack_api_url", "slack_api_url_file", "slack_app_token", "slack_app_token_file", "slack_app_url":
			// Read by each slack_configs entry.
		default:
			c.drop(k.Line, "global."+k.Value, "alertgate has no equivalent (its clients are configured under notify)")
		}
	})
}

// endpoint sets a provider's API base once; a receiver naming another
// one is reported, since alertgate has one per provider.
func (c *converter) endpoint(line int, path, provider, key, value string) {
	if value == "" {
		return
	}
	p := c.out.child("notify").child(provider)
	switch cur := str(p.n, key); {
	case cur == "":
		p.setStr(key, value)
	case cur != value:
		c.drop(line, path, "alertgate has one "+provider+" endpoint ("+cur+")")
	}
}

func (c *converter) smtp(key string, v *yaml.Node) {
	e := c.out.child("notify").child("email")
	if get(e.n, key) != nil {
		return
	}
	if key == "require_tls" {
		e.set(key, boolean(v.Value == "true"))
		return
	}
	e.setStr(key, v.Value)
}

// fileOf returns the file name of a *_file setting.
func fileOf(key string, v *yaml.Node) string {
	if strings.HasSuffix(key, "_file") {
		return v.Value
	}
	return ""
}

// templates rewrites relative template globs for the output's place.
func (c *converter) templates(n *yaml.Node) {
	var globs []string
	for _, g := range items(n) {
		p := g.Value
		if !filepath.IsAbs(p) && c.opts.SourceDir != c.opts.OutputDir {
			abs := filepath.Join(c.opts.SourceDir, p)
			if rel, err := filepath.Rel(c.opts.OutputDir, abs); err == nil {
				p = rel
			} else {
				p = abs
			}
		}
		globs = append(globs, p)
	}
	if len(globs) > 0 {
		c.out.set("templates", list(globs...))
	}
}

// copyAs carries a section over as it is: alertgate reads Alertmanager's
// inhibit rules and time intervals with Alertmanager's own types.
func (c *converter) copyAs(key string) func(*yaml.Node) {
	return func(n *yaml.Node) {
		if key == "inhibit_rules" {
			n = c.inhibitRules(n)
		}
		if len(items(n)) > 0 {
			c.out.set(key, strip(n))
		}
	}
}

// inhibitRules leaves out rules with an empty source or target side,
// which Alertmanager allows and alertgate refuses: they would inhibit
// everything, or be inhibited by anything.
func (c *converter) inhibitRules(n *yaml.Node) *yaml.Node {
	out := &yaml.Node{Kind: yaml.SequenceNode}
	for i, r := range items(n) {
		if !hasMatchers(r, "source") || !hasMatchers(r, "target") {
			c.drop(r.Line, fmt.Sprintf("inhibit_rules[%d]", i), "a rule without source or target matchers would inhibit everything or be inhibited by anything")
			continue
		}
		out.Content = append(out.Content, r)
	}
	return out
}

func hasMatchers(r *yaml.Node, side string) bool {
	n := 0
	for _, k := range []string{"_matchers", "_match", "_match_re"} {
		if v := get(r, side+k); v != nil {
			n += len(v.Content)
		}
	}
	return n > 0
}

// route carries the tree over unchanged: alertgate evaluates it with
// Alertmanager's dispatch package.
func (c *converter) route(n *yaml.Node) {
	c.out.set("route", strip(n))
}

// retention keeps alert state at least as long as the longest repeat
// interval, which alertgate requires (a re-sent alert would look new).
func (c *converter) retention(root *yaml.Node) {
	longest := 7 * 24 * time.Hour
	var walk func(*yaml.Node)
	walk = func(r *yaml.Node) {
		if d, err := model.ParseDuration(str(r, "repeat_interval")); err == nil && time.Duration(d) > longest {
			longest = time.Duration(d)
		}
		for _, ch := range items(get(r, "routes")) {
			walk(ch)
		}
	}
	walk(get(root, "route"))
	if longest > 7*24*time.Hour {
		c.out.child("store").setStr("retention", model.Duration(longest).String())
	}
}

// result renders the output with its header.
func (c *converter) result() (*Result, error) {
	slices.SortStableFunc(c.dropped, func(a, b Note) int { return a.Line - b.Line })
	var head strings.Builder
	head.WriteString("alertgate configuration converted from an Alertmanager configuration\nby `alertgate import alertmanager`. Check it with `alertgate check-config`.\n")
	if len(c.env) > 0 {
		head.WriteString("\nSecrets are read from the environment:\n")
		for _, v := range c.env {
			fmt.Fprintf(&head, "  %-40s %s", v.Name, v.From)
			if v.File != "" {
				fmt.Fprintf(&head, " (Alertmanager read it from %s)", v.File)
			}
			head.WriteByte('\n')
		}
	}
	if len(c.dropped) > 0 {
		head.WriteString("\nNot carried over:\n")
		for _, d := range c.dropped {
			head.WriteString("  " + d.String() + "\n")
		}
	}
	c.out.n.HeadComment = strings.TrimRight(head.String(), "\n")
	doc := &yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{c.out.n}}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("writing the alertgate configuration: %w", err)
	}
	return &Result{YAML: buf.Bytes(), Env: c.env, Dropped: c.dropped}, nil
}
