package memory

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/router/store"
)

// holdInhibits records which inhibition keys a firing alert holds, and
// releases them when it resolves.
func (s *Store) holdInhibits(a *alert.Alert, keys []string) {
	for _, k := range keys {
		set := s.inhibits[k]
		if a.Status == alert.StatusFiring {
			if set == nil {
				set = map[alert.Fingerprint]struct{}{}
				s.inhibits[k] = set
			}
			set[a.Fingerprint] = struct{}{}
			continue
		}
		delete(set, a.Fingerprint)
		if len(set) == 0 {
			delete(s.inhibits, k)
		}
	}
}

// Inhibitors returns, for each key, the firing alerts that hold it.
func (s *Store) Inhibitors(ctx context.Context, keys []string) (map[string][]alert.Fingerprint, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string][]alert.Fingerprint{}
	for _, k := range keys {
		for fp := range s.inhibits[k] {
			out[k] = append(out[k], fp)
		}
		slices.Sort(out[k])
	}
	return out, ctx.Err()
}

// Group returns a group's state without claiming it.
func (s *Store) Group(ctx context.Context, key string) (store.GroupState, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.groups[key]
	if g == nil {
		return store.GroupState{}, false, ctx.Err()
	}
	return store.GroupState{Flush: g.snapshot(), AckedBy: g.ackedBy, AckedAt: g.ackedAt, Escalated: slices.Clone(g.escalated)}, true, ctx.Err()
}

// Acknowledge records who acknowledged a group's incident and cancels its
// escalation timers. It returns store.ErrNotFound for an unknown group.
func (s *Store) Acknowledge(ctx context.Context, key, by string, now time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.groups[key]
	if g == nil {
		return store.ErrNotFound
	}
	g.ackedBy, g.ackedAt = by, now
	s.cancelTimers(key)
	return ctx.Err()
}

// ScheduleTimer sets a timer; a timer for the same group and receiver is
// replaced.
func (s *Store) ScheduleTimer(ctx context.Context, t store.Timer) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	t.Lease = ""
	s.timers[timerKey(t)] = &timer{t: t}
	return ctx.Err()
}

// CancelTimers removes every timer of a group.
func (s *Store) CancelTimers(ctx context.Context, group string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cancelTimers(group)
	return ctx.Err()
}

func (s *Store) cancelTimers(group string) {
	for k, t := range s.timers {
		if t.t.Group == group {
			delete(s.timers, k)
		}
	}
}

// ClaimTimers leases up to limit due timers, earliest first.
func (s *Store) ClaimTimers(ctx context.Context, now time.Time, limit int) ([]store.Timer, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var due []*timer
	for _, t := range s.timers {
		if !t.t.At.After(now) && (t.t.Lease == "" || !now.Before(t.leaseUntil)) {
			due = append(due, t)
		}
	}
	slices.SortFunc(due, func(a, b *timer) int {
		return cmp.Or(a.t.At.Compare(b.t.At), cmp.Compare(timerKey(a.t), timerKey(b.t)))
	})
	out := make([]store.Timer, 0, min(limit, len(due)))
	for _, t := range due[:min(limit, len(due))] {
		s.leaseSeq++
		t.t.Lease = "t" + strconv.FormatInt(s.leaseSeq, 10)
		t.leaseUntil = now.Add(s.opts.LeaseTTL)
		out = append(out, t.t)
	}
	return out, ctx.Err()
}

// CompleteTimer removes a fired timer, enqueues its notifications and, if
// any were enqueued, records the escalation on the group, atomically.
func (s *Store) CompleteTimer(ctx context.Context, now time.Time, t store.Timer, entries [][]byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	cur := s.timers[timerKey(t)]
	if cur == nil || cur.t.Lease == "" || cur.t.Lease != t.Lease {
		return store.ErrLeaseLost
	}
	delete(s.timers, timerKey(t))
	s.outbox.add(now, entries...)
	if g := s.groups[t.Group]; g != nil && len(entries) > 0 && !slices.Contains(g.escalated, t.Receiver) {
		g.escalated = append(g.escalated, t.Receiver)
	}
	return ctx.Err()
}

type timer struct {
	t          store.Timer
	leaseUntil time.Time
}

func timerKey(t store.Timer) string { return t.Group + "\x00" + t.Receiver }
