package redis

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"maps"
	"math"
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

// observe runs observe.lua on the calls of one batch: one script call
// per partition the batch touches, pipelined. Each partition is sent
// the observations with their groups in it (partition.go); a verdict is
// taken from the partition of the observation's first group.
func (s *Store) observe(ctx context.Context, calls []observeCall) ([][]dedup.Verdict, error) {
	plan := s.planObserve(calls)
	var scripts []scriptCall
	var used []int
	for p, segs := range plan.parts {
		if plan.count[p] == 0 {
			continue
		}
		args, err := s.observeArgs(s.parts[p].base, segs)
		if err != nil {
			return nil, err
		}
		k := s.parts[p]
		scripts = append(scripts, scriptCall{s.scripts.observe, []string{k.due, k.flapping}, args})
		used = append(used, p)
	}
	cmds, err := s.runDurable(ctx, scripts)
	if err != nil {
		return nil, err
	}
	replies := make([][]any, len(s.parts))
	for i, p := range used {
		res, err := cmds[i].Slice()
		if err != nil {
			return nil, err
		}
		if len(res) != verdictValues*plan.count[p] {
			return nil, fmt.Errorf("reply has %d values for %d observations", len(res), plan.count[p])
		}
		replies[p] = res
	}
	out := make([][]dedup.Verdict, len(calls))
	for i, c := range calls {
		out[i] = make([]dedup.Verdict, len(c.obs))
		for j := range c.obs {
			at := plan.primary[i][j]
			r := at.reply(replies)
			out[i][j] = dedup.Verdict{
				Fingerprint: c.obs[j].Alert.Fingerprint,
				Action:      dedup.Action(r.str(0)),
				Reason:      incident.Reason(r.str(1)),
				Suppressed:  int(r.int(2)),
				Scheduled:   fromMS(r.int(3)),
			}
			if r.err != nil {
				return nil, r.err
			}
		}
	}
	// The groups of an observation in other partitions were scheduled
	// there.
	for _, x := range plan.secondary {
		r := x.at.reply(replies)
		at, v := fromMS(r.int(3)), &out[x.call][x.obs]
		if r.err != nil {
			return nil, r.err
		}
		if !at.IsZero() && (v.Scheduled.IsZero() || at.Before(v.Scheduled)) {
			v.Scheduled = at
		}
	}
	return out, nil
}

// verdictValues is the number of values of a verdict in observe.lua's
// reply: action, reason, suppressed, scheduled.
const verdictValues = 4

// reply returns the verdict at its place among replies.
func (at observeAt) reply(replies [][]any) *reply {
	return newReply(replies[at.part][verdictValues*at.idx : verdictValues*(at.idx+1)])
}

// observePlan is a batch split by partition.
type observePlan struct {
	// parts holds, per partition, a segment per call of the batch (some
	// empty) with the observations sent to that partition.
	parts [][]observeCall
	// count is the number of observations sent to each partition.
	count []int
	// primary says, per call and observation, where its verdict is.
	primary [][]observeAt
	// secondary lists the places of the observations sent to partitions
	// other than their verdict's (their other groups'), for the times
	// these scheduled.
	secondary []observePlace
}

// observeAt is an observation's place in its partition's reply.
type observeAt struct{ part, idx int }

// observePlace is an observation of a call, and a place of it.
type observePlace struct {
	call, obs int
	at        observeAt
}

func (s *Store) planObserve(calls []observeCall) observePlan {
	n := len(s.parts)
	plan := observePlan{parts: make([][]observeCall, n), count: make([]int, n), primary: make([][]observeAt, len(calls))}
	for p := range plan.parts {
		plan.parts[p] = make([]observeCall, len(calls))
	}
	for i, c := range calls {
		for p := range plan.parts {
			plan.parts[p][i].now = c.now
		}
		plan.primary[i] = make([]observeAt, len(c.obs))
		for j := range c.obs {
			o := &c.obs[j]
			if n == 1 {
				plan.add(0, i, j, *o, true)
				continue
			}
			if len(o.Groups) == 0 {
				plan.add(s.partitionOf(string(o.Alert.Fingerprint)), i, j, *o, true)
				continue
			}
			first := s.partitionOf(o.Groups[0].Key)
			for p, groups := range s.groupsByPartition(o.Groups, first) {
				sub := *o
				sub.Groups = groups
				if p != first {
					sub.Inhibits = nil // held in the first group's partition only
				}
				plan.add(p, i, j, sub, p == first)
			}
		}
	}
	return plan
}

func (plan *observePlan) add(p, call, j int, o store.Observation, primary bool) {
	seg := &plan.parts[p][call]
	seg.obs = append(seg.obs, o)
	at := observeAt{part: p, idx: plan.count[p]}
	if primary {
		plan.primary[call][j] = at
	} else {
		plan.secondary = append(plan.secondary, observePlace{call, j, at})
	}
	plan.count[p]++
}

// groupsByPartition splits groups by partition; first is the partition
// of groups[0].
func (s *Store) groupsByPartition(groups []incident.GroupRef, first int) map[int][]incident.GroupRef {
	out := map[int][]incident.GroupRef{first: nil}
	for _, g := range groups {
		p := s.partitionOf(g.Key)
		out[p] = append(out[p], g)
	}
	return out
}

// observeArgs lays out ARGV as observe.lua reads it; calls without
// observations are left out. The groups the observations name are sent
// once each, however many alerts join them, and each alert is sent in
// its binary encoding, which the script stores as it is.
func (s *Store) observeArgs(base string, calls []observeCall) ([]any, error) {
	p := s.opts.Flap
	n := 0
	for _, c := range calls {
		n += len(c.obs)
	}
	var refs groupRefs
	for _, c := range calls {
		for i := range c.obs {
			for _, g := range c.obs[i].Groups {
				refs.add(g)
			}
		}
	}
	args := make([]any, 0, 9+4*len(refs.list)+2*len(calls)+n*10)
	args = append(args, base, s.opts.Retention.Milliseconds(),
		p.Transitions, p.Window.Milliseconds(), p.Quiet.Milliseconds(),
		p.LongTransitions, p.LongWindow.Milliseconds(), p.ResolveHold.Milliseconds(), len(refs.list))
	for _, g := range refs.list {
		ref, err := json.Marshal(g)
		if err != nil {
			return nil, fmt.Errorf("encode group %s: %w", g.Key, err)
		}
		args = append(args, g.Key, g.Wait.Milliseconds(), g.Interval.Milliseconds(), ref)
	}
	// One buffer holds every alert's head and encoding; each argument is
	// a slice of it.
	buf := make([]byte, 0, n*(observationHeadLen+1024))
	for _, c := range calls {
		if len(c.obs) == 0 {
			continue
		}
		args = append(args, ms(c.now), len(c.obs))
		for i := range c.obs {
			o := &c.obs[i]
			a := &o.Alert
			start := len(buf)
			var err error
			if buf, err = appendObservationHead(buf, o); err != nil {
				return nil, err
			}
			head := buf[start:len(buf):len(buf)]
			start = len(buf)
			if buf, err = a.AppendBinary(buf); err != nil {
				return nil, err
			}
			args = append(args, string(a.Fingerprint), head, buf[start:len(buf):len(buf)])
			for _, g := range o.Groups {
				args = append(args, refs.index(g))
			}
			for _, k := range o.Inhibits {
				args = append(args, k)
			}
		}
	}
	return args, nil
}

// observationHeadLen is the length of an observation's head.
const observationHeadLen = 1 + 3*8 + 2*2

// appendObservationHead appends what observe.lua reads of o besides its
// fingerprint, alert, groups and inhibition keys, packed as the script
// unpacks it (struct format '<BdddHH'): the status (1 firing, 2
// resolved), startsAt, endsAt and the repeat interval in milliseconds
// as doubles (exact to 2^53), then the number of groups and of
// inhibition keys. One argument instead of six: each argument is a
// string Lua makes and hashes, and a number it then converts.
func appendObservationHead(b []byte, o *store.Observation) ([]byte, error) {
	var status byte
	switch o.Alert.Status {
	case alert.StatusFiring:
		status = 1
	case alert.StatusResolved:
		status = 2
	default:
		return b, fmt.Errorf("observe %s: status %q is neither firing nor resolved", o.Alert.Fingerprint, o.Alert.Status)
	}
	if len(o.Groups) > math.MaxUint16 || len(o.Inhibits) > math.MaxUint16 {
		return b, fmt.Errorf("observe %s: %d groups and %d inhibition keys, more than a head holds",
			o.Alert.Fingerprint, len(o.Groups), len(o.Inhibits))
	}
	b = append(b, status)
	for _, v := range [...]int64{ms(o.Alert.StartsAt), ms(o.Alert.EndsAt), o.RepeatInterval.Milliseconds()} {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(float64(v)))
	}
	b = binary.LittleEndian.AppendUint16(b, uint16(len(o.Groups)))
	return binary.LittleEndian.AppendUint16(b, uint16(len(o.Inhibits))), nil
}

// groupRefs lists the distinct groups of a batch; an index is a
// group's place in the list, from 1 as Lua counts.
type groupRefs struct {
	list  []incident.GroupRef
	byKey map[string][]int
}

func (r *groupRefs) add(g incident.GroupRef) {
	if r.index(g) > 0 {
		return
	}
	if r.byKey == nil {
		r.byKey = map[string][]int{}
	}
	r.list = append(r.list, g)
	r.byKey[g.Key] = append(r.byKey[g.Key], len(r.list))
}

// index returns g's index, or 0 if it is not listed. Refs of one key
// are the same group as a rule, but a reload may change a route's
// receiver or intervals while a batch is made up, so they are compared
// whole.
func (r *groupRefs) index(g incident.GroupRef) int {
	for _, i := range r.byKey[g.Key] {
		if sameRef(r.list[i-1], g) {
			return i
		}
	}
	return 0
}

// (TestSameRef_ComparesEveryField keeps it in step with GroupRef.)
func sameRef(a, b incident.GroupRef) bool {
	return a.Key == b.Key && a.Route == b.Route && a.Receiver == b.Receiver &&
		a.Wait == b.Wait && a.Interval == b.Interval && maps.Equal(a.Labels, b.Labels)
}

// Settle ends flapping for alerts that have been stable for the quiet
// period and schedules their groups: one script call per partition,
// pipelined. An alert kept in several partitions settles in each, and
// is reported once.
func (s *Store) Settle(ctx context.Context, now time.Time) ([]dedup.Verdict, error) {
	calls := make([]scriptCall, len(s.parts))
	for p, k := range s.parts {
		calls[p] = scriptCall{s.scripts.settle, []string{k.flapping, k.due}, []any{k.base, ms(now), s.opts.Retention.Milliseconds()}}
	}
	cmds, err := s.runScripts(ctx, calls)
	if err != nil {
		return nil, fmt.Errorf("redis settle: %w", err)
	}
	var out []dedup.Verdict
	seen := map[alert.Fingerprint]bool{}
	for _, cmd := range cmds {
		res, err := cmd.Slice()
		if err != nil {
			return nil, fmt.Errorf("redis settle: %w", err)
		}
		for i := 0; i+3 <= len(res); i += 3 {
			r := newReply(res[i : i+3])
			v := dedup.Verdict{
				Fingerprint: alert.Fingerprint(r.str(0)),
				Action:      dedup.Action(r.str(1)),
				Reason:      incident.Reason(r.str(2)),
			}
			if r.err != nil {
				return nil, fmt.Errorf("redis settle: %w", r.err)
			}
			if !seen[v.Fingerprint] {
				seen[v.Fingerprint] = true
				out = append(out, v)
			}
		}
	}
	return out, nil
}
