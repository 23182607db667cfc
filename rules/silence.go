package rules

import (
	"fmt"
	"time"

	amcommon "github.com/prometheus/alertmanager/config/common"
	"github.com/prometheus/alertmanager/matcher/compat"
	"github.com/prometheus/alertmanager/pkg/labels"
	"github.com/prometheus/alertmanager/timeinterval"

	"github.com/alertgate/alertgate/config"
	"github.com/alertgate/alertgate/incident"
)

// ParseMatchers parses Alertmanager matcher strings (`service="api"`,
// `{alertname=~"Disk.*",env!="dev"}`), as silences and runbooks write them.
func ParseMatchers(in []string) (labels.Matchers, error) {
	var out labels.Matchers
	for _, s := range in {
		ms, err := compat.Matchers(s, "api")
		if err != nil {
			return nil, fmt.Errorf("matcher %q: %w", s, err)
		}
		out = append(out, ms...)
	}
	return out, nil
}

// Silencer decides whether an alert is silenced, by a silence created
// through the API or by a maintenance window from the configuration.
type Silencer struct {
	silences []compiledSilence
	windows  []maintenance
	now      time.Time
}

type compiledSilence struct {
	id       string
	matchers labels.Matchers
}

type maintenance struct {
	name     string
	matchers labels.Matchers
	when     []timeinterval.TimeInterval
}

func compileMaintenance(ws []config.MaintenanceWindow) []maintenance {
	out := make([]maintenance, 0, len(ws))
	for _, w := range ws {
		out = append(out, maintenance{name: w.Name, matchers: labels.Matchers(amcommon.Matchers(w.Matchers)), when: w.TimeIntervals})
	}
	return out
}

// Silencer returns a Silencer for the silences active at now and the
// configured maintenance windows. A silence whose matchers do not parse is
// skipped (the API validates them; this only guards against a damaged
// store).
func (r *Rules) Silencer(silences []incident.Silence, now time.Time) *Silencer {
	s := &Silencer{windows: r.maintenance, now: now}
	for _, sil := range silences {
		if !sil.Active(now) {
			continue
		}
		if ms, err := ParseMatchers(sil.Matchers); err == nil && len(ms) > 0 {
			s.silences = append(s.silences, compiledSilence{id: sil.ID, matchers: ms})
		}
	}
	return s
}

// Silenced returns what silences an alert with these labels: "silence
// <id>" or "maintenance <name>", or "" if nothing does.
func (s *Silencer) Silenced(ls map[string]string) string {
	for _, c := range s.silences {
		if matches(c.matchers, ls) {
			return "silence " + c.id
		}
	}
	for _, w := range s.windows {
		if !matches(w.matchers, ls) {
			continue
		}
		for _, ti := range w.when {
			if ti.ContainsTime(s.now) {
				return "maintenance " + w.name
			}
		}
	}
	return ""
}
