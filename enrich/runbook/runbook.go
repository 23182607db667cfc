package runbook

import (
	"fmt"
	"time"

	"github.com/prometheus/alertmanager/matcher/compat"
	"github.com/prometheus/alertmanager/pkg/labels"
	"github.com/prometheus/alertmanager/timeinterval"
	"gopkg.in/yaml.v3"

	"github.com/alertgate/alertgate/alert"
)

// Runbook tells the person paged what an alert means and what to do about
// it. One YAML file holds one runbook; see schema.json for the format.
type Runbook struct {
	// ID is a unique, stable slug. Notifications and links refer to it.
	ID string `yaml:"id" json:"id"`
	// Title is the one line the problem is recognized by.
	Title string `yaml:"title" json:"title"`
	// Match lists alternatives, ORed: the runbook covers an alert that
	// matches every matcher of at least one of them.
	Match []MatchSet `yaml:"match" json:"match"`
	// Severity is a hint of how bad the problem usually is; the alert's
	// own severity still drives routing.
	Severity alert.Severity `yaml:"severity,omitempty" json:"severity,omitempty"`
	// Owner is the team that owns the runbook and the system behind it.
	Owner string `yaml:"owner,omitempty" json:"owner,omitempty"`
	// Summary says what the alert means.
	Summary string `yaml:"summary,omitempty" json:"summary,omitempty"`
	// Impact says what users see while it fires.
	Impact string `yaml:"impact,omitempty" json:"impact,omitempty"`
	// Steps are what to do, in order.
	Steps []Step `yaml:"steps,omitempty" json:"steps,omitempty"`
	// EscalateTo says who to call when the steps do not help.
	EscalateTo string `yaml:"escalate_to,omitempty" json:"escalateTo,omitempty"`
	// Links point to dashboards, logs and consoles.
	Links []Link `yaml:"links,omitempty" json:"links,omitempty"`
	// SilenceDuring lists windows (Alertmanager time_intervals entries) in
	// which alerts covered by this runbook are expected, such as a night
	// batch window; see SilencedAt.
	SilenceDuring []timeinterval.TimeInterval `yaml:"silence_during,omitempty" json:"silenceDuring,omitempty"`
	// URL is the runbook's canonical page, if it has one.
	URL string `yaml:"url,omitempty" json:"url,omitempty"`

	// File is the path the runbook was loaded from.
	File string `yaml:"-" json:"file,omitempty"`
	// line is the line of the id, for findings about the whole runbook.
	line int
}

// Matches reports whether the runbook covers an alert with these labels.
func (r *Runbook) Matches(lbls map[string]string) bool {
	for i := range r.Match {
		if r.Match[i].Matches(lbls) {
			return true
		}
	}
	return false
}

// SilencedAt reports whether t falls in one of the runbook's
// silence_during windows. It only answers the question; whether an alert
// is then muted or demoted is the routing policy's decision.
func (r *Runbook) SilencedAt(t time.Time) bool {
	for _, ti := range r.SilenceDuring {
		if ti.ContainsTime(t) {
			return true
		}
	}
	return false
}

// MatchSet is one alternative of a runbook's match list: Alertmanager
// matchers that must all match, with the semantics of a route's matchers
// (a missing label has the empty value).
type MatchSet struct {
	// Matchers are the parsed matchers, in file order.
	Matchers labels.Matchers `yaml:"-" json:"matchers"`
	// Line is where the alternative starts in its file.
	Line int `yaml:"-" json:"-"`
}

// Matches reports whether every matcher matches lbls.
func (s *MatchSet) Matches(lbls map[string]string) bool {
	for _, m := range s.Matchers {
		if !m.Matches(lbls[m.Name]) {
			return false
		}
	}
	return true
}

// UnmarshalYAML parses `matchers:` strings with Alertmanager's own parser
// (the one routes use), so a matcher that works in the routing config works
// here. A string may hold several comma-separated matchers, as in a route.
func (s *MatchSet) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.MappingNode {
		return &nodeError{n.Line, "an alternative must be a mapping with a matchers: list"}
	}
	s.Line = n.Line
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, val := n.Content[i], n.Content[i+1]
		if key.Value != "matchers" {
			return &nodeError{key.Line, fmt.Sprintf("unknown field %q", key.Value)}
		}
		if err := s.parse(val); err != nil {
			return err
		}
	}
	if len(s.Matchers) == 0 {
		return &nodeError{n.Line, "an alternative needs at least one matcher"}
	}
	return nil
}

func (s *MatchSet) parse(seq *yaml.Node) error {
	if seq.Kind != yaml.SequenceNode {
		return &nodeError{seq.Line, "matchers must be a list of strings"}
	}
	for _, item := range seq.Content {
		ms, err := compat.Matchers(item.Value, "runbook")
		if err != nil {
			return &nodeError{item.Line, fmt.Sprintf("bad matcher %q: %v", item.Value, err)}
		}
		if len(ms) == 0 {
			return &nodeError{item.Line, fmt.Sprintf("matcher %q holds no matcher", item.Value)}
		}
		s.Matchers = append(s.Matchers, ms...)
	}
	return nil
}

// MarshalYAML writes the alternative back in the form it is read in.
func (s MatchSet) MarshalYAML() (any, error) {
	strs := make([]string, len(s.Matchers))
	for i, m := range s.Matchers {
		strs[i] = m.String()
	}
	return map[string][]string{"matchers": strs}, nil
}

// Step is one thing to do. In YAML it is either a plain string or a
// mapping with text and an optional command to copy and paste.
type Step struct {
	// Text says what to do and why.
	Text string `yaml:"text" json:"text"`
	// Command is a shell command or SQL statement to run, if any.
	Command string `yaml:"command,omitempty" json:"command,omitempty"`
}

// String renders the step on one line for notifications that show steps
// as plain text.
func (s Step) String() string {
	if s.Command == "" {
		return s.Text
	}
	return s.Text + ": " + s.Command
}

// UnmarshalYAML accepts the plain-string and the mapping form.
func (s *Step) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		s.Text = n.Value
		return nil
	case yaml.MappingNode:
		return s.fromMapping(n)
	}
	return &nodeError{n.Line, "a step must be a string or a mapping with text and command"}
}

func (s *Step) fromMapping(n *yaml.Node) error {
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, val := n.Content[i], n.Content[i+1]
		if val.Kind != yaml.ScalarNode {
			return &nodeError{val.Line, fmt.Sprintf("step %s must be a string", key.Value)}
		}
		switch key.Value {
		case "text":
			s.Text = val.Value
		case "command":
			s.Command = val.Value
		default:
			return &nodeError{key.Line, fmt.Sprintf("unknown field %q in step", key.Value)}
		}
	}
	return nil
}

// Link is a titled link to a dashboard, log query or console.
type Link struct {
	// Title is what the link is shown as.
	Title string `yaml:"title" json:"title"`
	// URL is where it goes.
	URL string `yaml:"url" json:"url"`
}

// nodeError is a decoding error that knows its line. yaml.v3 passes errors
// from custom unmarshalers through unchanged, so the line survives.
type nodeError struct {
	line int
	msg  string
}

func (e *nodeError) Error() string { return fmt.Sprintf("line %d: %s", e.line, e.msg) }
