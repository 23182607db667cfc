package memory

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/incident"
	"github.com/alertgate/alertgate/router/store"
)

// group is one notification group.
type group struct {
	ref        incident.GroupRef
	opened     time.Time
	members    map[alert.Fingerprint]*incident.Member
	lastFlush  time.Time
	due        time.Time // zero: nothing to flush
	seq        int64
	lease      string
	leaseUntil time.Time
	ackedBy    string
	ackedAt    time.Time
	escalated  []string
}

// join adds or updates t's alert in each of its groups and schedules the
// groups: a new group after its group_wait, a known one no sooner than
// group_interval after its last flush. It returns the earliest time it
// scheduled (zero: none).
func (s *Store) join(t *tracked, r incident.Reason, now time.Time) (scheduled time.Time) {
	schedule := func(key string, g *group) {
		s.due.add(key, g.due)
		if scheduled.IsZero() || g.due.Before(scheduled) {
			scheduled = g.due
		}
	}
	for i, ref := range t.groups {
		g := s.groups[ref.Key]
		if g == nil {
			g = &group{members: map[alert.Fingerprint]*incident.Member{}, due: now.Add(ref.Wait), opened: now}
			s.groups[ref.Key] = g
			schedule(ref.Key, g)
		} else {
			// The key names the labels: the group's own map serves every
			// alert that joins it, rather than one map kept per alert.
			ref.Labels = g.ref.Labels
			t.groups[i].Labels = ref.Labels
		}
		g.ref = ref
		if g.due.IsZero() {
			g.due = later(now, g.lastFlush.Add(ref.Interval))
			schedule(ref.Key, g)
		}
		m := g.members[t.alert.Fingerprint]
		if m == nil {
			m = &incident.Member{Joined: now}
			g.members[t.alert.Fingerprint] = m
		}
		m.Alert, m.Reason, m.Flapping = t.alert, r, t.state.Flapping
		m.Version++
	}
	return scheduled
}

// touch updates t's alert in its groups without scheduling them: the
// status of a flapping alert is kept current for the flush that settles
// it, but is not news.
func (s *Store) touch(t *tracked) {
	for _, ref := range t.groups {
		if g := s.groups[ref.Key]; g != nil {
			if m := g.members[t.alert.Fingerprint]; m != nil {
				m.Alert, m.Flapping = t.alert, t.state.Flapping
				m.Version++
			}
		}
	}
}

// ClaimGroups leases up to limit groups whose flush is due, earliest
// first.
func (s *Store) ClaimGroups(ctx context.Context, now time.Time, limit int) ([]incident.Flush, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := s.claimGroups(now, limit)
	// The deep copies are made after the lock is released: a storm's
	// groups hold thousands of members, and ingest waits on the lock.
	for i := range out {
		cloneMembers(out[i].Members)
	}
	return out, nil
}

func (s *Store) claimGroups(now time.Time, limit int) []incident.Flush {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []incident.Flush
	for len(out) < limit {
		e, ok := s.due.next(now)
		if !ok {
			break
		}
		g := s.groups[e.key]
		if g == nil || g.due.IsZero() || g.due.After(now) || (g.lease != "" && now.Before(g.leaseUntil)) {
			continue // an entry the group has moved past
		}
		s.leaseSeq++
		g.seq++
		g.lease = strconv.FormatInt(s.leaseSeq, 10)
		g.leaseUntil = now.Add(s.opts.LeaseTTL)
		s.due.add(e.key, g.leaseUntil) // claimable again if the lease expires
		out = append(out, g.shallowSnapshot())
	}
	return out
}

func (g *group) snapshot() incident.Flush {
	f := g.shallowSnapshot()
	cloneMembers(f.Members)
	return f
}

// shallowSnapshot copies the group's flush with members whose alerts
// still share their maps with the store. Finishing the copy outside the
// lock is safe because the store never changes a stored alert's maps: it
// replaces the alert.
func (g *group) shallowSnapshot() incident.Flush {
	f := incident.Flush{Group: g.ref, Seq: g.seq, Lease: g.lease, LeaseUntil: g.leaseUntil, Escalated: slices.Clone(g.escalated), Opened: g.opened}
	f.Members = make([]incident.Member, 0, len(g.members))
	for _, m := range g.members {
		f.Members = append(f.Members, *m)
	}
	slices.SortFunc(f.Members, func(a, b incident.Member) int {
		return cmp.Compare(a.Alert.Fingerprint, b.Alert.Fingerprint)
	})
	return f
}

// cloneMembers gives each member its own copy of its alert.
func cloneMembers(ms []incident.Member) {
	for i := range ms {
		ms[i].Alert = ms[i].Alert.Clone()
	}
}

// CompleteFlush enqueues the flush's notifications and marks what the
// flush saw as notified, atomically. Members that changed after the claim
// keep their news and the group is scheduled again after group_interval.
func (s *Store) CompleteFlush(ctx context.Context, now time.Time, f incident.Flush, entries [][]byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.groups[f.Group.Key]
	if g == nil || g.lease == "" || g.lease != f.Lease {
		return store.ErrLeaseLost
	}
	s.outbox.add(now, entries...)
	for _, seen := range f.Members {
		m := g.members[seen.Alert.Fingerprint]
		if m == nil || m.Version != seen.Version {
			continue
		}
		if m.Alert.Status == alert.StatusResolved {
			delete(g.members, seen.Alert.Fingerprint)
			continue
		}
		m.Flushed, m.Reason = m.Alert.Status, ""
	}
	g.lastFlush, g.lease, g.due = now, "", time.Time{}
	if len(g.members) == 0 {
		delete(s.groups, f.Group.Key)
		s.cancelTimers(f.Group.Key)
		return nil
	}
	for _, m := range g.members {
		if m.Changed() {
			g.due = now.Add(g.ref.Interval)
			s.due.add(f.Group.Key, g.due)
			break
		}
	}
	return nil
}

// Postpone releases a claimed group without notifying, to be flushed
// again at until (a route muted by a time interval, say).
func (s *Store) Postpone(ctx context.Context, f incident.Flush, until time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.groups[f.Group.Key]
	if g == nil || g.lease == "" || g.lease != f.Lease {
		return store.ErrLeaseLost
	}
	g.lease, g.due = "", until
	s.due.add(f.Group.Key, until)
	return nil
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
