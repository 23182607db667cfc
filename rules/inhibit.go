package rules

import (
	"strings"

	amcommon "github.com/prometheus/alertmanager/config/common"
	"github.com/prometheus/alertmanager/pkg/labels"

	"github.com/alertgate/alertgate/alert"
)

// inhibitRule is a compiled Alertmanager inhibit rule. Inhibition is
// decided through keys held in the store, so that every replica sees every
// firing source alert: a source alert holds, while it fires, the key of
// each rule it is a source of, made of the rule and the values of the
// rule's equal labels; a target alert is inhibited while another alert
// holds its key.
type inhibitRule struct {
	id     string
	source labels.Matchers
	target labels.Matchers
	equal  []string
}

// bothSides marks keys held by alerts that match the rule's target
// matchers too. Alertmanager does not let such alerts inhibit an alert
// that is itself a source of the rule, or two alerts matching both sides
// would silence each other.
const bothSides = "#both"

func compileInhibitRules(rules []amcommon.InhibitRule) []inhibitRule {
	out := make([]inhibitRule, 0, len(rules))
	for _, r := range rules {
		ir := inhibitRule{
			source: allMatchers(r.SourceMatchers, r.SourceMatch, r.SourceMatchRE),
			target: allMatchers(r.TargetMatchers, r.TargetMatch, r.TargetMatchRE),
			equal:  r.Equal,
		}
		ir.id = ir.source.String() + "→" + ir.target.String() + "=" + strings.Join(ir.equal, ",")
		out = append(out, ir)
	}
	return out
}

// allMatchers merges the deprecated match/match_re forms into matchers,
// as Alertmanager does.
func allMatchers(m amcommon.Matchers, eq map[string]string, re amcommon.MatchRegexps) labels.Matchers {
	out := labels.Matchers(m)
	for k, v := range eq {
		if lm, err := labels.NewMatcher(labels.MatchEqual, k, v); err == nil {
			out = append(out, lm)
		}
	}
	for k, v := range re {
		if lm, err := labels.NewMatcher(labels.MatchRegexp, k, v.Original); err == nil {
			out = append(out, lm)
		}
	}
	return out
}

// key is the rule's key for an alert's values of the equal labels.
func (r *inhibitRule) key(ls map[string]string) string {
	parts := make([]string, 0, len(r.equal)+1)
	parts = append(parts, r.id)
	for _, l := range r.equal {
		parts = append(parts, ls[l])
	}
	return "inhibit:" + string(alert.NewFingerprint("inhibit", parts...))
}

// InhibitKeys returns the keys an alert with these labels holds while it
// fires.
func (r *Rules) InhibitKeys(ls map[string]string) []string {
	var keys []string
	for i := range r.inhibit {
		ir := &r.inhibit[i]
		if !matches(ir.source, ls) {
			continue
		}
		k := ir.key(ls)
		if matches(ir.target, ls) {
			k += bothSides
		}
		keys = append(keys, k)
	}
	return keys
}

// InhibitedBy lists, for an alert with these labels, the keys whose
// holders would inhibit it; pass them to the store to learn whether any
// other alert holds one.
func (r *Rules) InhibitedBy(ls map[string]string) []string {
	var keys []string
	for i := range r.inhibit {
		ir := &r.inhibit[i]
		if !matches(ir.target, ls) {
			continue
		}
		k := ir.key(ls)
		keys = append(keys, k)
		if !matches(ir.source, ls) {
			keys = append(keys, k+bothSides)
		}
	}
	return keys
}
