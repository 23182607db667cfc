package redis

import (
	"context"
	"crypto/rand"
	"fmt"
	"time"

	"github.com/alertgate/alertgate/router/store"
)

// ScheduleTimer sets a timer; a timer for the same group and receiver is
// replaced, and loses its lease if it had one.
func (s *Store) ScheduleTimer(ctx context.Context, t store.Timer) error {
	err := s.scripts.scheduleTimer.Run(ctx, s.client, []string{s.keys.timers, s.keys.timer(t.Group)},
		t.Group, t.Receiver, ms(t.At), s.opts.Retention.Milliseconds()).Err()
	if err != nil {
		return fmt.Errorf("redis schedule timer %s %s: %w", t.Group, t.Receiver, err)
	}
	return nil
}

// CancelTimers removes every timer of a group.
func (s *Store) CancelTimers(ctx context.Context, group string) error {
	err := s.scripts.cancelTimers.Run(ctx, s.client, []string{s.keys.timers, s.keys.timer(group)},
		s.keys.base, group).Err()
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
	res, err := s.scripts.claimTimers.Run(ctx, s.client, []string{s.keys.timers},
		s.keys.base, ms(now), limit, s.opts.LeaseTTL.Milliseconds(), rand.Text(),
		s.opts.Retention.Milliseconds()).Slice()
	if err != nil {
		return nil, fmt.Errorf("redis claim timers: %w", err)
	}
	out := make([]store.Timer, 0, len(res))
	for _, x := range res {
		r := newReply(asList(x))
		t := store.Timer{Group: r.str(0), Receiver: r.str(1), At: fromMS(r.int(2)), Lease: r.str(3)}
		if r.err != nil {
			return nil, fmt.Errorf("redis claim timers: %w", r.err)
		}
		out = append(out, t)
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
	keys := []string{s.keys.timers, s.keys.timer(t.Group), s.keys.group(t.Group), s.keys.outbox}
	ok, err := s.scripts.completeTimer.Run(ctx, s.client, keys, args...).Int64()
	if err != nil {
		return fmt.Errorf("redis complete timer %s %s: %w", t.Group, t.Receiver, err)
	}
	if ok == 0 {
		return fmt.Errorf("redis complete timer %s %s: %w", t.Group, t.Receiver, store.ErrLeaseLost)
	}
	return nil
}
