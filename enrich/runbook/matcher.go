package runbook

import (
	"cmp"
	"slices"
	"strings"

	"github.com/prometheus/alertmanager/pkg/labels"
)

// Matcher finds the runbook for an alert. It is immutable once built and
// safe for concurrent use; a reload builds a new one.
//
// When several runbooks match, the most specific wins. An alternative's
// specificity is, in order: more matchers; then more equality (=)
// matchers, because `alertname="X"` says more than `alertname=~"X|Y"`. A
// runbook is as specific as its most specific matching alternative. Equal
// specificity is settled by the smaller id, so the answer never depends on
// file or map order; Lint warns about such ties.
type Matcher struct {
	// entries holds every alternative of every runbook, most specific
	// first, so the first entry that matches is the answer.
	entries []entry
}

// entry is one alternative of one runbook, ready to evaluate.
type entry struct {
	runbook *Runbook
	// matchers are the alternative's matchers, cheapest first, so most
	// non-matching alternatives are rejected by a string comparison
	// before any regular expression runs.
	matchers []*labels.Matcher
	// pre holds each matcher's prefilter, by index.
	pre   []prefilter
	score specificity
	line  int
}

// specificity ranks alternatives; see Matcher.
type specificity struct {
	matchers int
	equal    int
}

func (s specificity) compare(o specificity) int {
	return cmp.Or(cmp.Compare(s.matchers, o.matchers), cmp.Compare(s.equal, o.equal))
}

// NewMatcher indexes runbooks, normally the result of Load.
func NewMatcher(rbs []*Runbook) *Matcher {
	var entries []entry
	for _, rb := range rbs {
		for _, set := range rb.Match {
			entries = append(entries, newEntry(rb, set))
		}
	}
	slices.SortStableFunc(entries, func(a, b entry) int {
		return cmp.Or(b.score.compare(a.score), strings.Compare(a.runbook.ID, b.runbook.ID))
	})
	return &Matcher{entries: entries}
}

func newEntry(rb *Runbook, set MatchSet) entry {
	ms := slices.Clone(set.Matchers)
	slices.SortStableFunc(ms, func(a, b *labels.Matcher) int { return cmp.Compare(cost(a), cost(b)) })
	pre := make([]prefilter, len(ms))
	for i, m := range ms {
		pre[i] = newPrefilter(m)
	}
	return entry{runbook: rb, matchers: ms, pre: pre, score: scoreOf(set.Matchers), line: set.Line}
}

func scoreOf(ms labels.Matchers) specificity {
	s := specificity{matchers: len(ms)}
	for _, m := range ms {
		if m.Type == labels.MatchEqual {
			s.equal++
		}
	}
	return s
}

// cost orders matchers for evaluation: string comparisons before regular
// expressions.
func cost(m *labels.Matcher) int {
	switch m.Type {
	case labels.MatchEqual, labels.MatchNotEqual:
		return 0
	}
	return 1
}

// Match returns the most specific runbook covering an alert with these
// labels, or nil if none does.
func (m *Matcher) Match(lbls map[string]string) *Runbook {
	for i := range m.entries {
		if m.entries[i].matches(lbls) {
			return m.entries[i].runbook
		}
	}
	return nil
}

func (e *entry) matches(lbls map[string]string) bool {
	for i, m := range e.matchers {
		v := lbls[m.Name]
		if !e.pre[i].mayMatch(v) || !m.Matches(v) {
			return false
		}
	}
	return true
}

// hit is a runbook that matches a label set, with its best alternative.
type hit struct {
	runbook *Runbook
	score   specificity
	line    int
}

// matchAll returns every runbook matching lbls, best first: the first is
// what Match returns. Lint uses it to explain overlaps.
func (m *Matcher) matchAll(lbls map[string]string) []hit {
	var out []hit
	for i := range m.entries {
		e := &m.entries[i]
		if !e.matches(lbls) || slices.ContainsFunc(out, func(h hit) bool { return h.runbook == e.runbook }) {
			continue
		}
		out = append(out, hit{runbook: e.runbook, score: e.score, line: e.line})
	}
	return out
}
