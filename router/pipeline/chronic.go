package pipeline

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
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
		Title:      chronicTitle(len(list)),
		Chronic:    list,
		Members:    members,
		CreatedAt:  now,
	}
	base := e.setup.Load().cfg.Server.ExternalURL
	for i := range list {
		n.Severity = n.Severity.Max(list[i].Severity)
		list[i].URL = notify.IncidentURL(base, &notify.Notification{IncidentID: list[i].IncidentID})
	}
	return e.encode(rs, n, receiver)
}

// chronicTitle is a digest's title: "1 chronic incident", "4 chronic
// incidents".
func chronicTitle(n int) string {
	if n == 1 {
		return "1 chronic incident"
	}
	return fmt.Sprintf("%d chronic incidents", n)
}

// ChronicIncidents lists, per receiver, the open incidents that are
// chronic now, most firing first: what the chronic digest lists, for the
// console to show on demand.
func (e *Engine) ChronicIncidents(ctx context.Context) (map[string][]notify.ChronicIncident, error) {
	out, _, err := e.chronicIncidents(ctx, e.opts.Now())
	return out, err
}

// ErrUnknownReceiver is returned for a chronic digest to a receiver the
// configuration does not have.
var ErrUnknownReceiver = errors.New("no such receiver")

// SendChronicDigest sends receiver's chronic digest now (the console's
// "send digest now"), whatever the time, and returns how many chronic
// incidents it lists. With none, it sends nothing: an empty digest would
// make a sound that says nothing. An unknown receiver is
// ErrUnknownReceiver.
func (e *Engine) SendChronicDigest(ctx context.Context, receiver string) (int, error) {
	if _, ok := e.setup.Load().rules.Receiver(receiver); !ok {
		return 0, fmt.Errorf("chronic digest: %w: %q", ErrUnknownReceiver, receiver)
	}
	now := e.opts.Now()
	byReceiver, members, err := e.chronicIncidents(ctx, now)
	if err != nil {
		return 0, err
	}
	list := byReceiver[receiver]
	if len(list) == 0 {
		return 0, nil
	}
	entries, err := e.chronicDigest(now, receiver, list, members[receiver])
	if err != nil {
		return 0, err
	}
	if err := e.opts.Store.Enqueue(ctx, now, entries...); err != nil {
		return 0, fmt.Errorf("chronic digest of %s: enqueue: %w", receiver, err)
	}
	return len(list), nil
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
	groups, err := e.firingGroups(ctx, incs)
	if err != nil {
		return nil, nil, err
	}
	sounds := e.soundsToday(ctx, now)
	out, members := map[string][]notify.ChronicIncident{}, map[string][]notify.Member{}
	for i, g := range groups {
		if g == nil {
			continue
		}
		c, firing, ok := e.chronicEntry(rs, &incs[i], g, sounds, now)
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

// chronicReaders bounds the group reads a chronic list makes at once: a
// read is a round trip to Redis, and one at a time made listing 5,000
// open incidents take most of a second.
const chronicReaders = 8

// firingGroups reads the group of each open incident, a few at a time:
// the group where it is the current, firing occurrence, nil otherwise.
func (e *Engine) firingGroups(ctx context.Context, incs []incident.Incident) ([]*store.GroupState, error) {
	out := make([]*store.GroupState, len(incs))
	errs := make([]error, len(incs))
	sem := make(chan struct{}, chronicReaders)
	var wg sync.WaitGroup
	for i := range incs {
		if incs[i].Status != incident.StatusOpen {
			continue
		}
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			g, found, err := e.opts.Store.Group(ctx, incs[i].Group)
			switch {
			case err != nil:
				errs[i] = fmt.Errorf("chronic digest: read incident %s: %w", incs[i].ID, err)
			case found && g.Firing() && g.IncidentID() == incs[i].ID:
				out[i] = &g
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err // the first: a store that fails one read fails them all
		}
	}
	return out, nil
}

// soundsToday reads the day's counters, the sounds of every lineage
// among them, once for all the incidents a digest looks at: reading them
// per incident made listing 5,000 open incidents take seconds. A store
// that cannot answer leaves the budgets out, as overBudget does.
func (e *Engine) soundsToday(ctx context.Context, now time.Time) incident.Counters {
	day := incident.Day(now)
	c, err := e.opts.Store.Counters(ctx, []string{day})
	if err != nil {
		e.log.Warn("chronic digest: reading today's sounds failed; judging by age only", "err", err)
		return nil
	}
	return c[day]
}

// chronicEntry describes an open incident for the digest, if it is
// chronic; sounds are the day's counters (soundsToday).
func (e *Engine) chronicEntry(rs *rules.Rules, inc *incident.Incident, g *store.GroupState, sounds incident.Counters, now time.Time) (notify.ChronicIncident, []notify.Member, bool) {
	route, ok := rs.Route(g.Group.Route)
	if !ok {
		return notify.ChronicIncident{}, nil, false
	}
	chronic, why := e.chronic(route.Noise, &g.Flush, now)
	if budget := route.Noise.ChronicSounds; !chronic && budget > 0 {
		if n := sounds[soundsCounter(lineage(&g.Flush))]; n >= int64(budget) {
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
