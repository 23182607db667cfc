package rules

import (
	"regexp"
	"slices"
	"strings"

	"github.com/prometheus/alertmanager/pkg/labels"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/config"
)

// plainName is an alert name that a regex alternative can spell out.
var plainName = regexp.MustCompile(`^[A-Za-z0-9_:.-]+$`)

// AlertNames lists the alert names the configuration mentions by name —
// in route matchers, inhibit rules and maintenance windows — so that
// `runbooks lint` can report the ones no runbook covers. Regex matchers
// count when they are plain alternatives ("KubeNodeNotReady|KubeNodeUnreachable").
func AlertNames(cfg *config.Config) []string {
	var ms []*labels.Matcher
	if cfg.Route != nil {
		cfg.Route.Walk(func(_ int, r *config.Route) {
			ms = append(ms, allMatchers(r.Matchers, r.Match, r.MatchRE)...)
		})
	}
	for _, ir := range cfg.InhibitRules {
		ms = append(ms, allMatchers(ir.SourceMatchers, ir.SourceMatch, ir.SourceMatchRE)...)
		ms = append(ms, allMatchers(ir.TargetMatchers, ir.TargetMatch, ir.TargetMatchRE)...)
	}
	for _, w := range cfg.MaintenanceWindows {
		ms = append(ms, w.Matchers...)
	}
	var names []string
	for _, m := range ms {
		if m.Name != alert.LabelAlertName {
			continue
		}
		switch m.Type {
		case labels.MatchEqual:
			names = append(names, m.Value)
		case labels.MatchRegexp:
			for _, alt := range strings.Split(m.Value, "|") {
				if plainName.MatchString(alt) {
					names = append(names, alt)
				}
			}
		}
	}
	slices.Sort(names)
	return slices.Compact(names)
}
