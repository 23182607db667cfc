package runbook

import (
	"maps"
	"regexp/syntax"
	"slices"
	"strings"

	"github.com/prometheus/alertmanager/pkg/labels"
)

// Bounds on the example label sets Lint builds per alternative: enough to
// try every branch of an `alertname=~"A|B|C"`, small enough that a regex
// like (a|b)(c|d)(e|f)... cannot explode.
const (
	maxSamples  = 8
	maxExamples = 16
)

// examples returns label sets that the alternative matches, built from
// its own matchers: the value of each equality matcher, a few strings each
// regular expression accepts, and nothing for labels only negative
// matchers constrain. Lint checks whether another runbook matches them too.
// An alternative it cannot satisfy yields no examples.
func examples(ms labels.Matchers) []map[string]string {
	var names []string
	byName := map[string][]*labels.Matcher{}
	for _, m := range ms {
		if _, seen := byName[m.Name]; !seen {
			names = append(names, m.Name)
		}
		byName[m.Name] = append(byName[m.Name], m)
	}
	out := []map[string]string{{}}
	for _, name := range names {
		values := valuesFor(byName[name])
		if len(values) == 0 {
			return nil
		}
		out = extend(out, name, values)
	}
	return out
}

// extend returns the product of sets and values, at most maxExamples long.
// The empty value stands for an absent label.
func extend(sets []map[string]string, name string, values []string) []map[string]string {
	var out []map[string]string
	for _, set := range sets {
		for _, v := range values {
			if len(out) == maxExamples {
				return out
			}
			next := maps.Clone(set)
			if v != "" {
				next[name] = v
			}
			out = append(out, next)
		}
	}
	return out
}

// valuesFor returns candidate values of one label that every matcher on it
// accepts.
func valuesFor(ms []*labels.Matcher) []string {
	var candidates []string
	for _, m := range ms {
		switch m.Type {
		case labels.MatchEqual:
			candidates = append(candidates, m.Value)
		case labels.MatchRegexp:
			candidates = append(candidates, samples(m.Value)...)
		}
	}
	if len(candidates) == 0 {
		candidates = []string{"", "example"}
	}
	ok := slices.DeleteFunc(slices.Compact(candidates), func(v string) bool {
		return slices.ContainsFunc(ms, func(m *labels.Matcher) bool { return !m.Matches(v) })
	})
	if len(ok) > maxSamples {
		ok = ok[:maxSamples]
	}
	return ok
}

// samples returns strings the regular expression probably matches: one per
// branch of each alternation, the shortest repetition, a letter for any
// character. Callers check each sample against the matcher.
func samples(expr string) []string {
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return nil
	}
	return generate(re.Simplify())
}

func generate(re *syntax.Regexp) []string {
	switch re.Op {
	case syntax.OpLiteral:
		return []string{string(re.Rune)}
	case syntax.OpCharClass:
		return classSample(re.Rune)
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		return []string{"x"}
	case syntax.OpCapture, syntax.OpPlus:
		return generate(re.Sub[0])
	case syntax.OpRepeat:
		return repeat(generate(re.Sub[0]), re.Min)
	case syntax.OpConcat:
		return concat(re.Sub)
	case syntax.OpAlternate:
		return alternate(re.Sub)
	case syntax.OpNoMatch:
		return nil
	}
	// Star, Quest, empty match and the zero-width assertions.
	return []string{""}
}

// classSample picks a readable member of a character class: a letter or
// digit if the class has one, else its first rune.
func classSample(ranges []rune) []string {
	if len(ranges) < 2 {
		return nil
	}
	for _, r := range "xa0" {
		for i := 0; i+1 < len(ranges); i += 2 {
			if ranges[i] <= r && r <= ranges[i+1] {
				return []string{string(r)}
			}
		}
	}
	return []string{string(ranges[0])}
}

func repeat(subs []string, n int) []string {
	out := make([]string, len(subs))
	for i, s := range subs {
		out[i] = strings.Repeat(s, min(n, maxSamples))
	}
	return out
}

func concat(subs []*syntax.Regexp) []string {
	out := []string{""}
	for _, sub := range subs {
		var next []string
		for _, prefix := range out {
			for _, s := range generate(sub) {
				if len(next) < maxSamples {
					next = append(next, prefix+s)
				}
			}
		}
		out = next
	}
	return out
}

func alternate(subs []*syntax.Regexp) []string {
	var out []string
	for _, sub := range subs {
		out = append(out, generate(sub)...)
	}
	if len(out) > maxSamples {
		out = out[:maxSamples]
	}
	return out
}
