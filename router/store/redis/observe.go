package redis

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/incident"
	"github.com/alertgate/alertgate/router/dedup"
	"github.com/alertgate/alertgate/router/store"
)

// Observe decides a batch of observations in one script call, atomic
// with respect to every other replica's calls. Concurrent calls share
// script calls (see batcher): under load many webhooks cost one round
// trip.
func (s *Store) Observe(ctx context.Context, now time.Time, obs []store.Observation) ([]dedup.Verdict, error) {
	if len(obs) == 0 {
		return []dedup.Verdict{}, ctx.Err()
	}
	out, err := s.observer.do(ctx, observeCall{now: now, obs: obs})
	if err != nil {
		return nil, fmt.Errorf("redis observe: %w", err)
	}
	return out, nil
}

// observeCall is one Observe call's part of a batch.
type observeCall struct {
	now time.Time
	obs []store.Observation
}

func newObserver(s *Store) *batcher[observeCall, []dedup.Verdict] {
	return &batcher[observeCall, []dedup.Verdict]{
		run:       s.observe,
		size:      func(c observeCall) int { return len(c.obs) },
		maxSize:   maxBatchAlerts,
		maxFlying: maxFlyingBatches,
	}
}

// observe runs observe.lua on the calls of one batch.
func (s *Store) observe(ctx context.Context, calls []observeCall) ([][]dedup.Verdict, error) {
	args, err := s.observeArgs(calls)
	if err != nil {
		return nil, err
	}
	res, err := s.scripts.observe.Run(ctx, s.client, []string{s.keys.due, s.keys.flapping}, args...).Slice()
	if err != nil {
		return nil, err
	}
	out := make([][]dedup.Verdict, len(calls))
	for i, c := range calls {
		n := 3 * len(c.obs)
		if len(res) < n {
			return nil, fmt.Errorf("reply has %d values left for %d observations", len(res), len(c.obs))
		}
		if out[i], err = verdicts(res[:n], c.obs); err != nil {
			return nil, err
		}
		res = res[n:]
	}
	return out, nil
}

// observeArgs lays out ARGV as observe.lua reads it.
func (s *Store) observeArgs(calls []observeCall) ([]any, error) {
	p := s.opts.Flap
	n := 0
	for _, c := range calls {
		n += len(c.obs)
	}
	args := make([]any, 0, 5+2*len(calls)+n*12)
	args = append(args, s.keys.base, s.opts.Retention.Milliseconds(),
		p.Transitions, p.Window.Milliseconds(), p.Quiet.Milliseconds())
	for _, c := range calls {
		args = append(args, ms(c.now), len(c.obs))
		for i := range c.obs {
			var err error
			if args, err = appendObservation(args, &c.obs[i]); err != nil {
				return nil, err
			}
		}
	}
	return args, nil
}

func appendObservation(args []any, o *store.Observation) ([]any, error) {
	a := &o.Alert
	js, err := json.Marshal(a)
	if err != nil {
		return nil, fmt.Errorf("encode alert %s: %w", a.Fingerprint, err)
	}
	args = append(args, string(a.Fingerprint), string(a.Status), ms(a.StartsAt), ms(a.EndsAt),
		o.RepeatInterval.Milliseconds(), js, len(o.Groups))
	for _, g := range o.Groups {
		ref, err := json.Marshal(g)
		if err != nil {
			return nil, fmt.Errorf("encode group %s: %w", g.Key, err)
		}
		args = append(args, g.Key, g.Wait.Milliseconds(), g.Interval.Milliseconds(), ref)
	}
	args = append(args, len(o.Inhibits))
	for _, k := range o.Inhibits {
		args = append(args, k)
	}
	return args, nil
}

// verdicts decodes observe.lua's reply: action, reason, suppressed per
// observation.
func verdicts(res []any, obs []store.Observation) ([]dedup.Verdict, error) {
	if len(res) != 3*len(obs) {
		return nil, fmt.Errorf("reply has %d values for %d observations", len(res), len(obs))
	}
	out := make([]dedup.Verdict, len(obs))
	for i := range obs {
		r := newReply(res[3*i : 3*i+3])
		out[i] = dedup.Verdict{
			Fingerprint: obs[i].Alert.Fingerprint,
			Action:      dedup.Action(r.str(0)),
			Reason:      incident.Reason(r.str(1)),
			Suppressed:  int(r.int(2)),
		}
		if r.err != nil {
			return nil, r.err
		}
	}
	return out, nil
}

// Settle ends flapping for alerts that have been stable for the quiet
// period and schedules their groups, in one script call.
func (s *Store) Settle(ctx context.Context, now time.Time) ([]dedup.Verdict, error) {
	res, err := s.scripts.settle.Run(ctx, s.client, []string{s.keys.flapping, s.keys.due},
		s.keys.base, ms(now), s.opts.Retention.Milliseconds()).Slice()
	if err != nil {
		return nil, fmt.Errorf("redis settle: %w", err)
	}
	var out []dedup.Verdict
	for i := 0; i+3 <= len(res); i += 3 {
		r := newReply(res[i : i+3])
		out = append(out, dedup.Verdict{
			Fingerprint: alert.Fingerprint(r.str(0)),
			Action:      dedup.Action(r.str(1)),
			Reason:      incident.Reason(r.str(2)),
		})
		if r.err != nil {
			return nil, fmt.Errorf("redis settle: %w", r.err)
		}
	}
	return out, nil
}
