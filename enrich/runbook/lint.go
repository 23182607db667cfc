package runbook

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/prometheus/alertmanager/pkg/labels"

	"github.com/alertgate/alertgate/alert"
)

// Lint checks every runbook under dir, as Load would read them, and also
// reports what would load but is probably wrong:
//
//   - errors: invalid YAML, schema violations and unknown fields, matchers
//     that do not parse, invalid silence_during windows, duplicate ids;
//   - warnings: two runbooks that match the same alert equally
//     specifically (the winner is then decided only by id order), an
//     alternative that can never match (an unknown source) or that matches
//     almost everything (only negative matchers), a runbook without steps,
//     and each of alertNames (the alert names the routing configuration
//     mentions) that no runbook covers;
//   - infos: two runbooks that match the same alert where the more
//     specific one wins, which is how a general runbook is refined, but
//     worth knowing.
//
// Overlaps are found by building example label sets from each
// alternative's own matchers (equality values and strings its regular
// expressions accept) and asking which other runbooks match them. That
// finds the overlaps people write by accident (the same alertname in two
// files, a broad regex swallowing a specific name) without a general
// intersection of regular expressions.
func Lint(dir string, alertNames []string) Report {
	rbs, findings := loadDir(dir)
	for _, rb := range rbs {
		findings = append(findings, checkRunbook(rb)...)
	}
	findings = append(findings, overlaps(rbs)...)
	findings = append(findings, uncovered(dir, rbs, alertNames)...)
	return Report{Findings: sortFindings(findings)}
}

// checkRunbook reports what is valid but useless in one runbook.
func checkRunbook(rb *Runbook) []Finding {
	var out []Finding
	warn := func(line int, format string, args ...any) {
		out = append(out, Finding{File: rb.File, Line: line, Severity: LevelWarning, Message: fmt.Sprintf(format, args...)})
	}
	if len(rb.Steps) == 0 {
		warn(rb.line, "runbook %q has no steps: the person paged gets nothing to do", rb.ID)
	}
	for _, set := range rb.Match {
		if m := unknownSource(set.Matchers); m != nil {
			warn(set.Line, "%s never matches: sources are alertmanager, cloudwatch and newrelic", m)
		}
		if !slices.ContainsFunc(set.Matchers, positive) {
			warn(set.Line, "alternative has only negative matchers and matches almost every alert")
		}
	}
	return out
}

func unknownSource(ms labels.Matchers) *labels.Matcher {
	for _, m := range ms {
		if m.Name == alert.LabelSource && m.Type == labels.MatchEqual && !alert.Source(m.Value).Valid() {
			return m
		}
	}
	return nil
}

func positive(m *labels.Matcher) bool {
	return m.Type == labels.MatchEqual || m.Type == labels.MatchRegexp
}

// overlaps reports each pair of runbooks that match a common example label
// set, once, at the alternative the example came from.
func overlaps(rbs []*Runbook) []Finding {
	m := NewMatcher(rbs)
	reported := map[[2]string]bool{}
	var out []Finding
	for _, rb := range rbs {
		for _, set := range rb.Match {
			for _, ex := range examples(set.Matchers) {
				out = append(out, overlapsAt(m, rb, set, ex, reported)...)
			}
		}
	}
	return out
}

func overlapsAt(m *Matcher, rb *Runbook, set MatchSet, ex map[string]string, reported map[[2]string]bool) []Finding {
	hits := m.matchAll(ex)
	self := slices.IndexFunc(hits, func(h hit) bool { return h.runbook == rb })
	if self < 0 {
		return nil
	}
	var out []Finding
	for _, other := range hits {
		key := pairKey(rb.ID, other.runbook.ID)
		if other.runbook == rb || reported[key] {
			continue
		}
		reported[key] = true
		out = append(out, overlapFinding(rb, set, hits[self], other, ex))
	}
	return out
}

func overlapFinding(rb *Runbook, set MatchSet, self, other hit, ex map[string]string) Finding {
	c := self.score.compare(other.score)
	winner := other.runbook.ID
	if c > 0 || c == 0 && rb.ID < other.runbook.ID {
		winner = rb.ID
	}
	where := fmt.Sprintf("runbooks %q and %q (%s:%d) both match %s", rb.ID, other.runbook.ID, other.runbook.File, other.line, formatLabels(ex))
	f := Finding{File: rb.File, Line: set.Line}
	if c == 0 {
		f.Severity = LevelWarning
		f.Message = fmt.Sprintf("%s with equal specificity; %q wins only by id order: make one more specific", where, winner)
		return f
	}
	f.Severity = LevelInfo
	f.Message = fmt.Sprintf("%s; the more specific %q wins", where, winner)
	return f
}

func pairKey(a, b string) [2]string {
	if a > b {
		a, b = b, a
	}
	return [2]string{a, b}
}

// formatLabels writes a label set as Alertmanager shows one.
func formatLabels(lbls map[string]string) string {
	parts := make([]string, 0, len(lbls))
	for _, k := range slices.Sorted(maps.Keys(lbls)) {
		parts = append(parts, fmt.Sprintf("%s=%q", k, lbls[k]))
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// uncovered reports each alert name that no runbook covers. A runbook
// covers a name when one of its alternatives has a positive alertname
// matcher and every alertname matcher accepts the name; alternatives that
// do not mention alertname (a CloudWatch metric, say) match by other
// labels and cannot vouch for a name.
func uncovered(dir string, rbs []*Runbook, names []string) []Finding {
	var out []Finding
	for _, name := range slices.Compact(slices.Sorted(slices.Values(names))) {
		if name == "" || slices.ContainsFunc(rbs, func(rb *Runbook) bool { return covers(rb, name) }) {
			continue
		}
		out = append(out, Finding{File: dir, Severity: LevelWarning, Message: fmt.Sprintf("no runbook covers alert %q", name)})
	}
	return out
}

func covers(rb *Runbook, name string) bool {
	for _, set := range rb.Match {
		ms := slices.DeleteFunc(slices.Clone(set.Matchers), func(m *labels.Matcher) bool { return m.Name != alert.LabelAlertName })
		if slices.ContainsFunc(ms, positive) && !slices.ContainsFunc(ms, func(m *labels.Matcher) bool { return !m.Matches(name) }) {
			return true
		}
	}
	return false
}
