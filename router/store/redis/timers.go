package redis

import (
	"cmp"
	"context"
	"crypto/rand"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/alertgate/alertgate/router/store"
)

// ScheduleTimer sets a timer; a timer for the same group and receiver is
// replaced, and loses its lease if it had one.
func (s *Store) ScheduleTimer(ctx context.Context, t store.Timer) error {
	k := s.part(t.Group)
	err := s.call(ctx, s.scripts.scheduleTimer, []string{k.timers, k.timer(t.Group)},
		t.Group, t.Receiver, ms(t.At), s.opts.Retention.Milliseconds()).Err()
	if err != nil {
		return fmt.Errorf("redis schedule timer %s %s: %w", t.Group, t.Receiver, err)
	}
	return nil
}

// CancelTimers removes every timer of a group.
func (s *Store) CancelTimers(ctx context.Context, group string) error {
	k := s.part(group)
	err := s.call(ctx, s.scripts.cancelTimers, []string{k.timers, k.timer(group)},
		k.base, group).Err()
	if err != nil {
		return fmt.Errorf("redis cancel timers %s: %w", group, err)
	}
	return nil
}

// ClaimTimers leases up to limit due timers, earliest first, in one
// script call; of several replicas claiming at once, exactly one gets
// each timer. The holder must call CompleteTimer before the lease
// (Options.LeaseTTL) expires, or another replica claims the timer again.
func (s *Store) ClaimTimers(ctx context.Context, now time.Time, limit int) ([]store.Timer, error) {
	if limit <= 0 {
		return []store.Timer{}, ctx.Err()
	}
	token := rand.Text()
	out := make([]store.Timer, 0, limit)
	round := 0
	err := s.claimRounds(limit, func(want []int) ([]int, error) {
		round++
		var calls []scriptCall
		var parts []int
		for p, n := range want {
			if n == 0 {
				continue
			}
			k := s.parts[p]
			calls = append(calls, scriptCall{s.scripts.claimTimers, []string{k.timers}, []any{
				k.base, ms(now), n, s.opts.LeaseTTL.Milliseconds(), token + strconv.Itoa(round) + "." + strconv.Itoa(p),
				s.opts.Retention.Milliseconds()}})
			parts = append(parts, p)
		}
		cmds, err := s.runScripts(ctx, calls)
		if err != nil {
			return nil, err
		}
		got := make([]int, len(want))
		for i, cmd := range cmds {
			res, err := cmd.Slice()
			if err != nil {
				return nil, err
			}
			for _, x := range res {
				r := newReply(asList(x))
				t := store.Timer{Group: r.str(0), Receiver: r.str(1), At: fromMS(r.int(2)), Lease: r.str(3)}
				if r.err != nil {
					return nil, r.err
				}
				out = append(out, t)
			}
			got[parts[i]] = len(res)
		}
		return got, nil
	})
	if err != nil {
		return nil, fmt.Errorf("redis claim timers: %w", err)
	}
	if len(s.parts) > 1 {
		slices.SortStableFunc(out, func(a, b store.Timer) int {
			return cmp.Or(a.At.Compare(b.At), cmp.Compare(a.Group, b.Group), cmp.Compare(a.Receiver, b.Receiver))
		})
	}
	return out, nil
}

// CompleteTimer removes a fired timer, enqueues its notifications and,
// if any were enqueued, records the escalation on the group, in one
// script call that first checks the lease: if another replica claimed
// the timer since, it changes nothing and returns store.ErrLeaseLost.
func (s *Store) CompleteTimer(ctx context.Context, now time.Time, t store.Timer, entries [][]byte) error {
	args := make([]any, 0, 6+len(entries))
	args = append(args, t.Group, t.Receiver, t.Lease, ms(now), s.opts.Retention.Milliseconds(), consumerGroup)
	for _, e := range entries {
		args = append(args, e)
	}
	k := s.part(t.Group)
	keys := []string{k.timers, k.timer(t.Group), k.group(t.Group), k.outbox}
	ok, err := s.call(ctx, s.scripts.completeTimer, keys, args...).Int64()
	if err != nil {
		return fmt.Errorf("redis complete timer %s %s: %w", t.Group, t.Receiver, err)
	}
	if ok == 0 {
		return fmt.Errorf("redis complete timer %s %s: %w", t.Group, t.Receiver, store.ErrLeaseLost)
	}
	return nil
}
