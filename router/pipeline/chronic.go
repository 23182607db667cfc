package pipeline

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/incident"
	"github.com/alertgate/alertgate/router/notify"
	"github.com/alertgate/alertgate/router/store"
	"github.com/alertgate/alertgate/rules"
)

// How far back the chronic digest looks for open incidents, and how many
// it looks at: chronic incidents are open for days, and a store holds a
// few thousand incidents at most within its retention.
const (
	chronicLookback = 30 * 24 * time.Hour
	maxChronicScan  = 5000
)

// scheduleChronicDigest makes sure the next chronic digest has its
// timer: once per digest time per replica (every replica schedules the
// same timer, which the store keeps once), and again after a reload.
func (f *flusher) scheduleChronicDigest(ctx context.Context, now time.Time) {
	rs := f.e.setup.Load().rules
	f.chronicMu.Lock()
	defer f.chronicMu.Unlock()
	if f.chronicRules == rs && now.Before(f.chronicAt) {
		return
	}
	at, ok := rs.NextChronicDigest(now)
	if !ok {
		f.chronicRules, f.chronicAt = rs, now.Add(time.Hour)
		return
	}
	t := store.Timer{Group: chronicTimer, Receiver: timerJob + " " + at.UTC().Format(time.RFC3339), At: at}
	if err := f.e.opts.Store.ScheduleTimer(ctx, t); err != nil {
		f.e.log.Warn("scheduling the chronic digest failed; trying again", "at", at, "err", err)
		return
	}
	f.chronicRules, f.chronicAt = rs, at
}

// chronicDigests builds every receiver's chronic digest.
func (f *flusher) chronicDigests(ctx context.Context, now time.Time) ([][]byte, error) {
	byReceiver, members, err := f.e.chronicIncidents(ctx, now)
	if err != nil {
		return nil, err
	}
	var entries [][]byte
	for _, r := range slices.Sorted(maps.Keys(byReceiver)) {
		b, err := f.e.chronicDigest(now, r, byReceiver[r], members[r])
		if err != nil {
			return nil, err
		}
		entries = append(entries, b...)
	}
	f.e.log.Info("chronic digests", "receivers", len(byReceiver), "notifications", len(entries))
	return entries, nil
}

// chronicDigest encodes one receiver's digest.
func (e *Engine) chronicDigest(now time.Time, receiver string, list []notify.ChronicIncident, members []notify.Member) ([][]byte, error) {
	rs := e.setup.Load().rules
	key := "@chronic/" + receiver
	n := &notify.Notification{
		Incident:   key,
		IncidentID: key + "/" + now.In(rs.Location()).Format(time.DateOnly),
		Kind:       notify.KindChronic,
		Status:     alert.StatusFiring,
		Title:      fmt.Sprintf("%d chronic incidents", len(list)),
		Chronic:    list,
		Members:    members,
		CreatedAt:  now,
	}
	for _, c := range list {
		n.Severity = n.Severity.Max(c.Severity)
	}
	return e.encode(rs, n, receiver)
}

// ChronicIncidents lists, per receiver, the open incidents that are
// chronic now, most firing first: what the chronic digest lists, for the
// console to show on demand.
func (e *Engine) ChronicIncidents(ctx context.Context) (map[string][]notify.ChronicIncident, error) {
	out, _, err := e.chronicIncidents(ctx, e.opts.Now())
	return out, err
}

// SendChronicDigest sends receiver's chronic digest now (the console's
// "send digest"), whatever the time.
func (e *Engine) SendChronicDigest(ctx context.Context, receiver string) error {
	now := e.opts.Now()
	byReceiver, members, err := e.chronicIncidents(ctx, now)
	if err != nil {
		return err
	}
	if _, ok := e.setup.Load().rules.Receiver(receiver); !ok {
		return fmt.Errorf("chronic digest: no receiver %q", receiver)
	}
	entries, err := e.chronicDigest(now, receiver, byReceiver[receiver], members[receiver])
	if err != nil {
		return err
	}
	return e.opts.Store.Enqueue(ctx, now, entries...)
}

// chronicIncidents finds the chronic incidents among the open ones, by
// receiver (the group's and those it was escalated to), with their
// firing alerts for the digest's audit trail.
func (e *Engine) chronicIncidents(ctx context.Context, now time.Time) (map[string][]notify.ChronicIncident, map[string][]notify.Member, error) {
	st := e.opts.Store
	rs := e.setup.Load().rules
	incs, err := st.Incidents(ctx, now, now.Add(-chronicLookback), maxChronicScan)
	if err != nil {
		return nil, nil, fmt.Errorf("chronic digest: list incidents: %w", err)
	}
	out, members := map[string][]notify.ChronicIncident{}, map[string][]notify.Member{}
	for _, inc := range incs {
		if inc.Status != incident.StatusOpen {
			continue
		}
		g, found, err := st.Group(ctx, inc.Group)
		if err != nil {
			return nil, nil, fmt.Errorf("chronic digest: read incident %s: %w", inc.ID, err)
		}
		if !found || !g.Firing() || g.IncidentID() != inc.ID {
			continue
		}
		c, firing, ok := e.chronicEntry(ctx, rs, &inc, &g, now)
		if !ok {
			continue
		}
		for _, r := range append([]string{g.Group.Receiver}, g.Escalated...) {
			out[r] = append(out[r], c)
			members[r] = append(members[r], firing...)
		}
	}
	for _, list := range out {
		slices.SortFunc(list, func(a, b notify.ChronicIncident) int {
			return cmp.Or(cmp.Compare(b.Firing, a.Firing), a.Since.Compare(b.Since), cmp.Compare(a.IncidentID, b.IncidentID))
		})
	}
	return out, members, nil
}

// chronicEntry describes an open incident for the digest, if it is
// chronic.
func (e *Engine) chronicEntry(ctx context.Context, rs *rules.Rules, inc *incident.Incident, g *store.GroupState, now time.Time) (notify.ChronicIncident, []notify.Member, bool) {
	route, ok := rs.Route(g.Group.Route)
	if !ok {
		return notify.ChronicIncident{}, nil, false
	}
	chronic, why := e.chronic(route.Noise, &g.Flush, now)
	if !chronic && route.Noise.ChronicSounds > 0 {
		if over, n := e.overBudget(ctx, nil, lineage(&g.Flush), route.Noise.ChronicSounds, now); over {
			chronic, why = true, fmt.Sprintf("%d sounds today", n)
		}
	}
	if !chronic {
		return notify.ChronicIncident{}, nil, false
	}
	c := notify.ChronicIncident{IncidentID: inc.ID, Title: inc.Title, Since: g.Opened, Members: len(g.Members), Why: why}
	var firing []notify.Member
	names := map[string]int{}
	for _, m := range g.Members {
		a := m.Alert
		if a.Status != alert.StatusFiring {
			continue
		}
		a.Raw = nil
		firing = append(firing, notify.Member{Alert: a})
		c.Firing++
		c.Severity = c.Severity.Max(a.Severity)
		names[a.Name]++
		if c.Owner == "" {
			c.Owner = a.Labels["owner"]
		}
		if c.Runbook == "" {
			c.Runbook = a.Annotations["runbook_url"]
		}
	}
	for name, n := range names {
		if n > names[c.Alert] || n == names[c.Alert] && name < c.Alert {
			c.Alert = name
		}
	}
	if c.Title == "" {
		c.Title = c.Alert
	}
	return c, firing, true
}
