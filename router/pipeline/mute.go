package pipeline

import (
	"context"
	"log/slog"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/incident"
	"github.com/alertgate/alertgate/rules"
)

// Muter tells whether an alert with these labels is muted at now, and
// why. Time intervals, silences, maintenance windows, runbook quiet
// windows and inhibition each implement it; a new kind of muting is a new
// Muter, not an edit of the flusher.
type Muter interface {
	Mutes(ctx context.Context, labels map[string]string, now time.Time) (reason string, muted bool)
}

// Kinds of muting: the values of alertgate_alerts_muted_total's reason.
const (
	mutedTimeInterval = "time_interval"
	mutedSilenced     = "silenced"
	mutedInhibited    = "inhibited"
)

// muteStage is one Muter of the mute stage, with the kind it counts as
// and the timeline event it records ("" records none: a route muted at
// night is no news on the incident's timeline).
type muteStage struct {
	kind  string
	event incident.EventType
	muter Muter
}

// mutedMember is a member a stage held back, and why.
type mutedMember struct {
	member incident.Member
	stage  *muteStage
	by     string
}

// muteStages are the stages a flush of fl runs, in order: the route's
// time intervals (unless route is nil: an escalation goes to another
// receiver), silences, maintenance windows, the Options' muters (runbook
// quiet windows), and inhibition, whose holders are read from the store
// once for every member (with the inhibitions still in their hang-over),
// or were read by the flush's batch (reads).
func (f *flusher) muteStages(ctx context.Context, rs *rules.Rules, route *rules.Route, members []incident.Member, now time.Time, reads *batchReads) ([]muteStage, error) {
	var stages []muteStage
	if route != nil {
		stages = append(stages, muteStage{mutedTimeInterval, "", rs.RouteTimes(route)})
	}
	stages = append(stages,
		muteStage{mutedSilenced, incident.EventSilenced, rules.CompileSilences(f.silences)},
		muteStage{mutedSilenced, incident.EventSilenced, rs.Maintenance()},
	)
	for _, m := range f.e.opts.Muters {
		stages = append(stages, muteStage{mutedSilenced, incident.EventSilenced, m})
	}
	holders := map[string][]alert.Fingerprint(nil)
	if reads != nil {
		holders = reads.holders
	}
	if holders == nil {
		var keys []string
		for _, m := range members {
			keys = append(keys, rs.InhibitedBy(m.Alert.Labels)...)
		}
		var err error
		if holders, err = f.e.holders(ctx, rs, keys, now); err != nil {
			return nil, err
		}
	}
	return append(stages, muteStage{mutedInhibited, incident.EventInhibited, rs.Inhibition(holders)}), nil
}

// mute runs the stages over the members and returns those no stage
// mutes, and those one does. Muted members are left out of the flush, so
// they keep their news and are looked at again after group_interval: when
// the silence ends or the inhibiting alert resolves, they are notified,
// as in Alertmanager.
func (f *flusher) mute(ctx context.Context, group string, stages []muteStage, members []incident.Member, now time.Time) ([]incident.Member, []mutedMember) {
	visible := make([]incident.Member, 0, len(members))
	var muted []mutedMember
members:
	for _, m := range members {
		for i := range stages {
			s := &stages[i]
			if by, ok := s.muter.Mutes(ctx, m.Alert.Labels, now); ok {
				f.countMuted(group, m, s, by)
				muted = append(muted, mutedMember{m, s, by})
				continue members
			}
		}
		visible = append(visible, m)
	}
	return visible, muted
}

// countMuted counts and logs a member with news that a stage held back;
// a route muted by its time intervals is logged at debug level, as it
// happens every night to every group of the route.
func (f *flusher) countMuted(group string, m incident.Member, s *muteStage, by string) {
	if !m.Changed() {
		return
	}
	f.e.metrics.muted.WithLabelValues(s.kind).Inc()
	level := slog.LevelInfo
	if s.event == "" {
		level = slog.LevelDebug
	}
	f.e.log.Log(context.Background(), level, "alert muted", "group", group, "fingerprint", m.Alert.Fingerprint, "alertname", m.Alert.Name, "reason", s.kind, "by", by)
}
