package web

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/alertmanager/pkg/labels"
	"github.com/prometheus/alertmanager/timeinterval"
	"github.com/prometheus/common/model"
	"gopkg.in/yaml.v3"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/config"
	"github.com/alertgate/alertgate/incident"
)

// Silence states, as Alertmanager names them.
const (
	StateActive  = "active"
	StatePending = "pending"
	StateExpired = "expired"
)

// SilenceState is the state of s at now.
func SilenceState(s *incident.Silence, now time.Time) string {
	switch {
	case now.Before(s.StartsAt):
		return StatePending
	case s.Active(now):
		return StateActive
	}
	return StateExpired
}

// SilencesView is the Silences page.
type SilencesView struct {
	Silences    []SilenceRow
	Maintenance []MaintenanceRow
	Form        SilenceForm
	// Preview lists the firing alerts the form's matchers match; nil
	// before a preview was asked for.
	Preview *Preview
}

// SilenceRow is one silence.
type SilenceRow struct {
	incident.Silence
	State string
}

// MaintenanceRow is a maintenance window from the configuration.
type MaintenanceRow struct {
	Name, Matchers, Comment string
	When                    []string
}

// SilenceForm is what the create form holds.
type SilenceForm struct {
	Matchers, Duration, Comment, Incident string
}

// Preview is the firing alerts a silence would mute now.
type Preview struct {
	Matched []PreviewRow
	// Firing is how many firing alerts were checked.
	Firing int
	// More counts matches not listed.
	More int
}

// PreviewRow is one alert a silence would mute.
type PreviewRow struct {
	Name, Severity, Incident, IncidentURL, Labels string
}

// maxPreview bounds the alerts a preview lists.
const maxPreview = 200

// FiringAlert is a firing alert and the incident it belongs to.
type FiringAlert struct {
	Alert    alert.Alert
	Incident string
}

// NewPreview matches firing alerts against ms.
func NewPreview(ms labels.Matchers, firing []FiringAlert) *Preview {
	p := &Preview{Firing: len(firing)}
	for _, f := range firing {
		if !ms.Matches(model.LabelSet(labelSet(f.Alert.Labels))) {
			continue
		}
		if len(p.Matched) == maxPreview {
			p.More++
			continue
		}
		p.Matched = append(p.Matched, PreviewRow{Name: f.Alert.Name, Severity: string(f.Alert.Severity), Incident: f.Incident,
			IncidentURL: "/incidents/" + f.Incident, Labels: formatLabels(f.Alert.Labels)})
	}
	return p
}

func labelSet(ls map[string]string) map[model.LabelName]model.LabelValue {
	out := make(map[model.LabelName]model.LabelValue, len(ls))
	for k, v := range ls {
		out[model.LabelName(k)] = model.LabelValue(v)
	}
	return out
}

func formatLabels(ls map[string]string) string {
	keys := make([]string, 0, len(ls))
	for k := range ls {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s=%q", k, ls[k]))
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// NewSilencesView lists silences (active first, then pending, then
// expired) and the configured maintenance windows.
func NewSilencesView(list []incident.Silence, windows []config.MaintenanceWindow, now time.Time) SilencesView {
	v := SilencesView{}
	rank := map[string]int{StateActive: 0, StatePending: 1, StateExpired: 2}
	for _, s := range list {
		v.Silences = append(v.Silences, SilenceRow{Silence: s, State: SilenceState(&s, now)})
	}
	slices.SortStableFunc(v.Silences, func(a, b SilenceRow) int {
		return cmp.Or(cmp.Compare(rank[a.State], rank[b.State]), b.EndsAt.Compare(a.EndsAt))
	})
	for _, w := range windows {
		row := MaintenanceRow{Name: w.Name, Comment: w.Comment}
		ms := make([]string, 0, len(w.Matchers))
		for _, m := range w.Matchers {
			ms = append(ms, m.String())
		}
		row.Matchers = "{" + strings.Join(ms, ", ") + "}"
		for _, ti := range w.TimeIntervals {
			row.When = append(row.When, describeInterval(ti))
		}
		v.Maintenance = append(v.Maintenance, row)
	}
	return v
}

// describeInterval writes a time interval on one line, in the YAML the
// configuration uses.
func describeInterval(ti timeinterval.TimeInterval) string {
	b, err := yaml.Marshal(ti)
	if err != nil {
		return "(unprintable interval)"
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return strings.Join(lines, "; ")
}
