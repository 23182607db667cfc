package runbook

import (
	"slices"
	"testing"
)

func TestSamples_OnePerBranchAndAllMatch(t *testing.T) {
	tests := []struct {
		expr string
		want []string
	}{
		{"HighErrorRate|HTTP5xx", []string{"HighErrorRate", "HTTP5xx"}},
		{"HTTPCode_(Target|ELB)_5XX_Count", []string{"HTTPCode_Target_5XX_Count", "HTTPCode_ELB_5XX_Count"}},
		{"nightly-.*", []string{"nightly-"}},
		{"(?i).*apdex.*", []string{"APDEX"}}, // case-folded literals come out in upper case
		{"[0-9]+s", []string{"0s"}},
		{"a{3}", []string{"aaa"}},
		{"(unclosed", nil},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			got := samples(tt.expr)
			if !slices.Equal(got, tt.want) {
				t.Errorf("samples(%q) = %q, want %q", tt.expr, got, tt.want)
			}
		})
	}
}

func TestExamples_SatisfyTheirAlternative(t *testing.T) {
	rbs, err := Load(shipped)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rbs {
		for _, set := range r.Match {
			exs := examples(set.Matchers)
			if len(exs) == 0 {
				t.Errorf("%s:%d: no example label set", r.File, set.Line)
			}
			for _, ex := range exs {
				if !set.Matches(ex) {
					t.Errorf("%s:%d: example %v does not match its own alternative", r.File, set.Line, ex)
				}
			}
		}
	}
}
