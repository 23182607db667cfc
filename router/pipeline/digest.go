package pipeline

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/incident"
	"github.com/alertgate/alertgate/router/notify"
	"github.com/alertgate/alertgate/router/store"
	"github.com/alertgate/alertgate/rules"
)

// Digests are durable store timers, like escalations, so that exactly
// one replica sends each. Their groups are not real groups (a real
// group's timers record escalations), and their names keep them apart
// from receivers, which the configuration may not start with "@".
const (
	// digestTimer prefixes the timer group of an incident's churn digest:
	// "@digest/<group key>".
	digestTimer = "@digest/"
	// chronicTimer is the timer group of the chronic digests.
	chronicTimer = "@chronic"
	// timerJob is the receiver of the digest timers; a chronic digest's
	// carries its time, so that the next day's never replaces today's.
	timerJob = "@digest"
)

// scheduleDigest sets the timer of an incident's churn digest at the end
// of the digest period it is in, counted from when the incident opened.
// Scheduling it again for the same period changes nothing, so it fires
// at most once per period.
func (f *flusher) scheduleDigest(ctx context.Context, route *rules.Route, fl *incident.Flush, now time.Time) {
	every := route.Noise.DigestInterval
	if every <= 0 || fl.Opened.IsZero() {
		return
	}
	periods := now.Sub(fl.Opened)/every + 1
	t := store.Timer{Group: digestTimer + fl.Group.Key, Receiver: timerJob, At: fl.Opened.Add(periods * every)}
	if err := f.e.opts.Store.ScheduleTimer(ctx, t); err != nil {
		f.e.log.Warn("scheduling the churn digest failed; the churn stays in the message only", "group", fl.Group.Key, "err", err)
	}
}

// digest builds the churn digest an incident's timer fired for: how many
// alerts joined and resolved in the period, as a reply in its thread. It
// says nothing when the incident is over, chronic, outside its sound
// intervals, or did not churn.
func (f *flusher) digest(ctx context.Context, now time.Time, t store.Timer) ([][]byte, error) {
	key := strings.TrimPrefix(t.Group, digestTimer)
	g, found, err := f.e.opts.Store.Group(ctx, key)
	if err != nil || !found || !g.Firing() {
		return nil, err
	}
	set := f.e.setup.Load()
	route, ok := set.rules.Route(g.Group.Route)
	if !ok || route.Noise.DigestInterval <= 0 {
		return nil, nil
	}
	fl := g.Flush
	if chronic, _ := f.e.chronic(route.Noise, &fl, now); chronic {
		return nil, nil
	}
	n := assemble(&fl, notify.KindDigest, now)
	n.Seq = 0
	// Churn of informational alerts never earns a sound.
	if n.Severity.Rank() <= alert.SeverityInfo.Rank() || !set.rules.Sounds(route, n.Severity, now) {
		return nil, nil
	}
	since := t.At.Add(-route.Noise.DigestInterval)
	if since.Before(fl.Opened) {
		since = fl.Opened
	}
	joined, resolved, err := f.churn(ctx, fl.IncidentID(), since, t.At)
	if err != nil || joined+resolved == 0 {
		return nil, err
	}
	n.Why = fmt.Sprintf("%d joined, %d resolved since %s", joined, resolved, since.In(set.rules.Location()).Format("15:04"))
	if over, _ := f.e.overBudget(ctx, nil, lineage(&fl), route.Noise.ChronicSounds, now); route.Noise.ChronicSounds > 0 && over {
		return nil, nil
	}
	entries, err := f.e.encodeAll(set.rules, n, &fl)
	if err == nil && len(entries) > 0 {
		f.e.countSound(ctx, nil, lineage(&fl), now)
	}
	return entries, err
}

// churn counts the alerts that joined and resolved on an incident's
// timeline in [from, to).
func (f *flusher) churn(ctx context.Context, id string, from, to time.Time) (joined, resolved int, err error) {
	_, events, found, err := f.e.opts.Store.Incident(ctx, id)
	if err != nil || !found {
		return 0, 0, err
	}
	for _, ev := range events {
		if ev.Fingerprint == "" || ev.At.Before(from) || !ev.At.Before(to) {
			continue
		}
		switch ev.Type {
		case incident.EventDetected:
			joined++
		case incident.EventResolved:
			resolved++
		}
	}
	return joined, resolved, nil
}
