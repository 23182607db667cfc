package runbook

import (
	"regexp/syntax"
	"strings"

	"github.com/prometheus/alertmanager/pkg/labels"
)

// maxNeedles bounds a prefilter; beyond it the regex is cheaper to run.
const maxNeedles = 16

// prefilter rejects, by substring search, values a regex matcher cannot
// match. Most runbook regexes look like `(?i).*(error rate|error
// percentage).*`: Go runs such anchored, case-folded patterns in hundreds
// of nanoseconds, and an alert usually fails every one of them, so
// checking for the literals first keeps Match fast. It never rejects a
// value the regex would match: when unsure it lets the value through.
type prefilter struct {
	// groups must each have a needle in the value: (?i).*(host|node).*disk.*
	// gives [[host node] [disk]]. Empty means no prefilter.
	groups [][]string
	// fold makes the search case-insensitive (the regex used (?i)); the
	// needles are then in lower case.
	fold bool
}

// newPrefilter builds the prefilter of a =~ matcher; other matchers get
// none.
func newPrefilter(m *labels.Matcher) prefilter {
	if m.Type != labels.MatchRegexp {
		return prefilter{}
	}
	re, err := syntax.Parse(m.Value, syntax.Perl)
	if err != nil {
		return prefilter{}
	}
	var p prefilter
	groups, fold := requirements(re)
	for _, g := range groups {
		if len(g) > maxNeedles || !allASCII(g) {
			continue
		}
		if fold {
			g = lower(g)
		}
		p.groups = append(p.groups, g)
	}
	p.fold = fold
	return p
}

// mayMatch reports whether v contains a needle of every group. Values
// with non-ASCII bytes always pass: Unicode case folding can match a
// needle with a different number of bytes (ſ folds to s), which a byte
// search would miss.
func (p prefilter) mayMatch(v string) bool {
	if len(p.groups) == 0 || !isASCII(v) {
		return true
	}
	for _, g := range p.groups {
		if !p.containsAny(v, g) {
			return false
		}
	}
	return true
}

func (p prefilter) containsAny(v string, needles []string) bool {
	for _, n := range needles {
		if p.fold && containsFold(v, n) || !p.fold && strings.Contains(v, n) {
			return true
		}
	}
	return false
}

// requirements returns groups of strings such that every match of re
// contains a string of each group; nil when it cannot tell. fold is true
// if any literal involved is case-insensitive, which makes the whole
// search so: a looser filter, never a wrong one.
func requirements(re *syntax.Regexp) (groups [][]string, fold bool) {
	switch re.Op {
	case syntax.OpLiteral:
		return [][]string{{string(re.Rune)}}, re.Flags&syntax.FoldCase != 0
	case syntax.OpCapture, syntax.OpPlus:
		return requirements(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return requirements(re.Sub[0])
		}
	case syntax.OpConcat:
		for _, sub := range re.Sub {
			g, f := requirements(sub)
			groups, fold = append(groups, g...), fold || f
		}
		return groups, fold
	case syntax.OpAlternate:
		return alternateRequirements(re.Sub)
	}
	return nil, false
}

// alternateRequirements unions the most selective group of each branch;
// one branch without any makes the whole unknown.
func alternateRequirements(subs []*syntax.Regexp) ([][]string, bool) {
	var (
		union   []string
		anyFold bool
	)
	for _, sub := range subs {
		groups, fold := requirements(sub)
		if len(groups) == 0 {
			return nil, false
		}
		union = append(union, mostSelective(groups)...)
		anyFold = anyFold || fold
	}
	return [][]string{union}, anyFold
}

// mostSelective picks the group whose shortest needle is longest.
func mostSelective(groups [][]string) []string {
	best := groups[0]
	for _, g := range groups[1:] {
		if shortest(g) > shortest(best) {
			best = g
		}
	}
	return best
}

func lower(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strings.ToLower(s)
	}
	return out
}

func shortest(ns []string) int {
	n := -1
	for _, s := range ns {
		if n < 0 || len(s) < n {
			n = len(s)
		}
	}
	return n
}

// containsFold reports whether the ASCII string s contains the
// lower-case ASCII string sub, ignoring case, without allocating.
func containsFold(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if hasPrefixFold(s[i:], sub) {
			return true
		}
	}
	return false
}

func hasPrefixFold(s, lowerPrefix string) bool {
	for j := 0; j < len(lowerPrefix); j++ {
		c := s[j]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lowerPrefix[j] {
			return false
		}
	}
	return true
}

func allASCII(ss []string) bool {
	for _, s := range ss {
		if s == "" || !isASCII(s) {
			return false
		}
	}
	return true
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
