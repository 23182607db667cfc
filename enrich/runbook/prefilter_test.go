package runbook

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/prometheus/alertmanager/pkg/labels"
)

func TestPrefilter_RequirementsOfTypicalRegexes(t *testing.T) {
	tests := []struct {
		expr string
		want [][]string
		fold bool
	}{
		{"KubePodCrashLooping|PodCrashLooping", [][]string{{"KubePodCrashLooping", "PodCrashLooping"}}, false},
		{"(?i).*(host|node).*(disk|filesystem).*", [][]string{{"host", "node"}, {"disk", "filesystem"}}, true},
		{"(?i).*apdex.*", [][]string{{"apdex"}}, true},
		{"nightly-.*", [][]string{{"nightly-"}}, false},
		{".*", nil, false},
		{"a|.*", nil, false},
		{"(x)?abc", [][]string{{"abc"}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			m, err := labels.NewMatcher(labels.MatchRegexp, "l", tt.expr)
			if err != nil {
				t.Fatal(err)
			}
			p := newPrefilter(m)
			if !slices.EqualFunc(p.groups, tt.want, slices.Equal) || p.fold != tt.fold && tt.want != nil {
				t.Errorf("prefilter = %q fold %v, want %q fold %v", p.groups, p.fold, tt.want, tt.fold)
			}
		})
	}
}

// TestPrefilter_NeverRejectsAMatch checks, over every regex of the shipped
// runbooks and many strings built from their own samples, that the
// prefilter lets through everything the regex matches.
func TestPrefilter_NeverRejectsAMatch(t *testing.T) {
	rbs, err := Load(shipped)
	if err != nil {
		t.Fatal(err)
	}
	var (
		regexes []*labels.Matcher
		corpus  = []string{"", "x", "Error Rate", "HOST disk", "ſ", "Kelvin K", "error ſate", "ERROR RATE 5%"}
	)
	for _, r := range rbs {
		for _, set := range r.Match {
			for _, m := range set.Matchers {
				if m.Type == labels.MatchRegexp {
					regexes = append(regexes, m)
					corpus = append(corpus, samples(m.Value)...)
				}
			}
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 300 {
		a, b := corpus[rng.IntN(len(corpus))], corpus[rng.IntN(len(corpus))]
		corpus = append(corpus, a+" "+b, "prefix "+a, a+b)
	}
	for _, m := range regexes {
		p := newPrefilter(m)
		for _, v := range corpus {
			if m.Matches(v) && !p.mayMatch(v) {
				t.Errorf("prefilter of %s rejects %q, which the regex matches", m, v)
			}
		}
	}
}
