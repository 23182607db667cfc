package rules

import (
	"fmt"

	amcommon "github.com/prometheus/alertmanager/config/common"
	"github.com/prometheus/alertmanager/matcher/compat"
	"github.com/prometheus/alertmanager/pkg/labels"
	"github.com/prometheus/alertmanager/timeinterval"

	"github.com/alertgate/alertgate/config"
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

// maintenance is a compiled maintenance window: a recurring silence from
// the configuration.
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
