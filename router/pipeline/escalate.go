package pipeline

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/config"
	"github.com/alertgate/alertgate/incident"
	"github.com/alertgate/alertgate/router/notify"
	"github.com/alertgate/alertgate/router/store"
)

func (f *flusher) scheduleEscalation(ctx context.Context, now time.Time, group string, e *config.Escalation) error {
	t := store.Timer{Group: group, Receiver: e.Receiver, At: now.Add(time.Duration(e.After))}
	if err := f.e.opts.Store.ScheduleTimer(ctx, t); err != nil {
		return err
	}
	f.e.log.Info("escalation scheduled", "group", group, "receiver", e.Receiver, "at", t.At)
	return nil
}

// timers fires due timers: escalations (an incident still firing and not
// acknowledged goes to the escalation receiver), churn digests and
// chronic digests.
func (f *flusher) timers(ctx context.Context, now time.Time) error {
	st := f.e.opts.Store
	f.e.tickHeartbeats(ctx, now)
	timers, err := st.ClaimTimers(ctx, now, flushBatch)
	if err != nil {
		return err
	}
	for _, t := range timers {
		if f.e.heartbeatDue(ctx, now, t) {
			continue
		}
		var entries [][]byte
		switch {
		case strings.HasPrefix(t.Group, digestTimer):
			entries, err = f.digest(ctx, now, t)
		case t.Group == chronicTimer:
			entries, err = f.chronicDigests(ctx, now)
		default:
			entries, err = f.escalation(ctx, now, t)
		}
		if err == nil {
			err = st.CompleteTimer(ctx, now, t, entries)
		}
		if err != nil {
			f.e.log.Warn("timer failed; it will be retried when its lease expires", "group", t.Group, "receiver", t.Receiver, "err", err)
		}
	}
	return nil
}

func (f *flusher) escalation(ctx context.Context, now time.Time, t store.Timer) ([][]byte, error) {
	g, ok, err := f.e.opts.Store.Group(ctx, t.Group)
	switch {
	case err != nil:
		return nil, err
	case !ok || !g.Firing():
		return nil, nil
	case g.AckedBy != "":
		f.e.log.Info("escalation not needed: acknowledged", "group", t.Group, "by", g.AckedBy)
		return nil, nil
	case slices.Contains(g.Escalated, t.Receiver):
		return nil, nil
	}
	fl := g.Flush
	set := f.e.setup.Load()
	// The escalation receiver is not the route's: its time intervals do
	// not apply, silences and inhibition do.
	stages, err := f.muteStages(ctx, set.rules, nil, fl.Members, now, nil)
	if err != nil {
		return nil, err
	}
	fl.Members, _ = f.mute(ctx, fl.Group.Key, stages, fl.Members, now)
	for i := range fl.Members {
		fl.Members[i].Reason, fl.Members[i].Flushed = incident.ReasonNew, ""
	}
	proto := build(&fl, now)
	if proto == nil || proto.Status != alert.StatusFiring {
		return nil, nil
	}
	proto.Notes = append(proto.Notes, "escalated to "+t.Receiver+": nobody acknowledged it in time")
	f.e.opts.Enricher.Enrich(ctx, proto)
	f.e.log.Warn("incident escalated", "incident", proto.IncidentID, "group", t.Group, "receiver", t.Receiver)
	f.e.recordEvent(ctx, &fl, incident.Incident{}, incident.Event{At: now, Type: incident.EventEscalated, Target: t.Receiver, Detail: "not acknowledged in time"})
	entries, err := f.e.encode(set.rules, proto, t.Receiver)
	if err != nil {
		return nil, err
	}
	// Those the incident was shown to hear that it was escalated, in its
	// thread: a reply, unordered, where they show it, and nothing where
	// they do not.
	told := *proto
	told.Kind, told.Seq, told.Notes = notify.KindEscalated, 0, nil
	told.Members = slices.Clone(proto.Members)
	for i := range told.Members {
		told.Members[i].Change = ""
	}
	told.Why = "escalated to " + t.Receiver + ": nobody acknowledged it in time"
	more, err := f.e.encodeAll(set.rules, &told, &g.Flush)
	return append(entries, more...), err
}
