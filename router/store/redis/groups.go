package redis

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/incident"
	"github.com/alertgate/alertgate/router/store"
)

// ClaimGroups leases up to limit groups whose flush is due, earliest
// first, in one script call; of several replicas claiming at once,
// exactly one gets each group. A claim stops early, after at least one
// group, once its groups hold claimMembers members: Redis serves no other
// request while it builds and sends the reply.
func (s *Store) ClaimGroups(ctx context.Context, now time.Time, limit int) ([]incident.Flush, error) {
	if limit <= 0 {
		return []incident.Flush{}, ctx.Err()
	}
	// The token makes leases unique across replicas without a shared
	// counter; the script appends the claim's index. Each partition is
	// asked for its share of the limit and of the member budget (at
	// least one group each), so a claim still returns at most limit.
	token := rand.Text()
	out := make([]incident.Flush, 0, limit)
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
			calls = append(calls, scriptCall{s.scripts.claimGroups, []string{k.due}, []any{
				k.base, ms(now), n, s.opts.LeaseTTL.Milliseconds(), token + strconv.Itoa(round) + "." + strconv.Itoa(p),
				s.opts.Retention.Milliseconds(), max(claimMembers/len(s.parts), 1)}})
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
			for _, g := range res {
				l, _ := g.([]any)
				f, err := decodeFlush(newReply(l))
				if err != nil {
					return nil, err
				}
				out = append(out, f)
			}
			got[parts[i]] = len(res)
		}
		return got, nil
	})
	if err == nil {
		err = s.readMembers(ctx, out)
	}
	if err != nil {
		return nil, fmt.Errorf("redis claim groups: %w", err)
	}
	return out, nil
}

// readMembers reads the members of claimed groups, each group's records
// and alerts together (MULTI/EXEC: one round trip for all of them), so
// that what a flush sees is one moment of the group, a moment after its
// claim. The scripts never read the alerts (groups.lua says why).
//
// A transaction stays within one hash slot on a Redis Cluster, so the
// groups of each partition are read by a transaction of their own, the
// partitions' side by side.
func (s *Store) readMembers(ctx context.Context, fs []incident.Flush) error {
	byPart := map[int][]int{}
	for i := range fs {
		p := s.partitionOf(fs[i].Group.Key)
		byPart[p] = append(byPart[p], i)
	}
	recs := make([]*goredis.MapStringStringCmd, len(fs))
	bodies := make([]*goredis.MapStringStringCmd, len(fs))
	read := func(p int, idx []int) error {
		k := s.parts[p]
		_, err := s.client.TxPipelined(ctx, func(pipe goredis.Pipeliner) error {
			for _, i := range idx {
				recs[i] = pipe.HGetAll(ctx, k.members(fs[i].Group.Key))
				bodies[i] = pipe.HGetAll(ctx, k.bodies(fs[i].Group.Key))
			}
			return nil
		})
		return err
	}
	var err error
	if len(byPart) == 1 {
		for p, idx := range byPart {
			err = read(p, idx)
		}
	} else {
		var wg sync.WaitGroup
		errs := make(chan error, len(byPart))
		for p, idx := range byPart {
			wg.Go(func() { errs <- read(p, idx) })
		}
		wg.Wait()
		close(errs)
		for e := range errs {
			err = errors.Join(err, e)
		}
	}
	if err != nil {
		return err
	}
	for i := range fs {
		if fs[i].Members, err = decodeMembers(fs[i].Group.Key, recs[i].Val(), bodies[i].Val()); err != nil {
			return err
		}
	}
	return nil
}

// claimMembers bounds the members of the groups one claim returns: about
// 5 ms of Redis's time for alerts of 1 KB.
const claimMembers = 1000

// decodeFlush decodes a group snapshot but its members (groups.lua):
// key, ref, seq, lease, leaseUntil, opened, escalated.
func decodeFlush(r *reply) (incident.Flush, error) {
	f := incident.Flush{Seq: r.int(2), Lease: r.str(3), LeaseUntil: fromMS(r.int(4)), Opened: fromMS(r.int(5))}
	key, ref, escalated := r.str(0), r.str(1), r.list(6)
	if r.err != nil {
		return f, r.err
	}
	for _, e := range escalated {
		s, _ := e.(string)
		f.Escalated = append(f.Escalated, s)
	}
	if err := json.Unmarshal([]byte(ref), &f.Group); err != nil {
		return f, fmt.Errorf("group %s: %w", key, err)
	}
	return f, nil
}

// decodeMembers decodes a group's member records and their alerts,
// sorted by fingerprint.
func decodeMembers(key string, recs, bodies map[string]string) ([]incident.Member, error) {
	out := make([]incident.Member, 0, len(recs))
	for fp, rec := range recs {
		m, err := decodeMember(rec, bodies[fp])
		if err != nil {
			return nil, fmt.Errorf("group %s member %s: %w", key, fp, err)
		}
		out = append(out, m)
	}
	slices.SortFunc(out, func(a, b incident.Member) int {
		return cmp.Compare(a.Alert.Fingerprint, b.Alert.Fingerprint)
	})
	return out, nil
}

// decodeMember decodes a member record written by groups.lua,
// version|reason|flushed|flapping|status|joined|source, with its alert from
// bodies: alert.Alert's binary encoding, or JSON. A record of an earlier
// version carries the alert JSON itself as a last field, after joined
// or, before Member.Joined existed, instead of it (groups.lua).
func decodeMember(rec, body string) (incident.Member, error) {
	var m incident.Member
	f := strings.SplitN(rec, "|", 6)
	if len(f) != 6 {
		return m, fmt.Errorf("malformed member record")
	}
	v, err := strconv.ParseInt(f[0], 10, 64)
	if err != nil {
		return m, fmt.Errorf("member version: %w", err)
	}
	if rest := f[5]; strings.HasPrefix(rest, "{") {
		body = rest
	} else {
		joined, inline, found := strings.Cut(rest, "|")
		j, err := strconv.ParseInt(joined, 10, 64)
		if err != nil {
			return m, fmt.Errorf("member joined: %w", err)
		}
		m.Joined = fromMS(j)
		if found && strings.HasPrefix(inline, "{") {
			body = inline // else inline is the alert's source, which body has too
		}
	}
	if err := decodeAlert(body, &m.Alert); err != nil {
		return m, fmt.Errorf("member alert: %w", err)
	}
	m.Version, m.Reason, m.Flushed, m.Flapping = v, incident.Reason(f[1]), alert.Status(f[2]), f[3] == "1"
	return m, nil
}

// memberRecord is m's record as groups.lua encodes it, with flushed and
// reason as given: what a flush saw (m's own), or what it leaves once
// it told m (flushed its status, no reason).
func memberRecord(m *incident.Member, flushed alert.Status, reason incident.Reason) string {
	flapping := "0"
	if m.Flapping {
		flapping = "1"
	}
	return strconv.FormatInt(m.Version, 10) + "|" + string(reason) + "|" + string(flushed) + "|" + flapping +
		"|" + string(m.Alert.Status) + "|" + strconv.FormatInt(ms(m.Joined), 10) + "|" + string(m.Alert.Source)
}

// decodeAlert decodes an alert as the store keeps it: binary, or JSON as
// earlier versions wrote it.
func decodeAlert(b string, a *alert.Alert) error {
	if strings.HasPrefix(b, "{") {
		return json.Unmarshal([]byte(b), a)
	}
	return a.UnmarshalBinary([]byte(b))
}

// CompleteFlush enqueues the flush's notifications and marks what the
// flush saw as notified, in one script call that first checks the lease:
// if another replica took the group over, it changes nothing and returns
// store.ErrLeaseLost. A group left without members is deleted, with its
// escalation timers.
func (s *Store) CompleteFlush(ctx context.Context, now time.Time, f incident.Flush, entries [][]byte) error {
	key := f.Group.Key
	args := make([]any, 0, 7+4*len(f.Members)+len(entries))
	args = append(args, f.Lease, key, ms(now), s.opts.Retention.Milliseconds(), consumerGroup,
		s.keys.base, len(f.Members))
	for i := range f.Members {
		m := &f.Members[i]
		told := ""
		if m.Alert.Status != alert.StatusResolved {
			told = memberRecord(m, m.Alert.Status, "")
		}
		args = append(args, string(m.Alert.Fingerprint), m.Version, memberRecord(m, m.Flushed, m.Reason), told)
	}
	for _, e := range entries {
		args = append(args, e)
	}
	k := s.part(key)
	args[5] = k.base
	keys := []string{k.group(key), k.members(key), k.due, k.outbox, k.timers, k.bodies(key)}
	ok, err := s.call(ctx, s.scripts.completeFlush, keys, args...).Int64()
	if err != nil {
		return fmt.Errorf("redis complete flush %s: %w", key, err)
	}
	if ok == 0 {
		return fmt.Errorf("redis complete flush %s: %w", key, store.ErrLeaseLost)
	}
	return nil
}

// Postpone releases a claimed group without notifying, to be flushed
// again at until.
func (s *Store) Postpone(ctx context.Context, f incident.Flush, until time.Time) error {
	key := f.Group.Key
	k := s.part(key)
	keys := []string{k.group(key), k.members(key), k.due, k.bodies(key)}
	ok, err := s.call(ctx, s.scripts.postpone, keys,
		f.Lease, key, ms(until), s.opts.Retention.Milliseconds()).Int64()
	if err != nil {
		return fmt.Errorf("redis postpone %s: %w", key, err)
	}
	if ok == 0 {
		return fmt.Errorf("redis postpone %s: %w", key, store.ErrLeaseLost)
	}
	return nil
}

// Group returns a group's state without claiming it, in one script call
// (a consistent snapshot).
func (s *Store) Group(ctx context.Context, key string) (store.GroupState, bool, error) {
	k := s.part(key)
	res, err := s.call(ctx, s.scripts.group, []string{k.group(key), k.members(key)},
		k.base, key).Slice()
	if err != nil {
		return store.GroupState{}, false, fmt.Errorf("redis group %s: %w", key, err)
	}
	if len(res) == 0 {
		return store.GroupState{}, false, nil
	}
	r := newReply(res)
	f, err := decodeFlush(r)
	if err != nil {
		return store.GroupState{}, false, fmt.Errorf("redis group %s: %w", key, err)
	}
	g := store.GroupState{Flush: f, AckedBy: r.str(7), AckedAt: fromMS(r.int(8)), Escalated: slices.Clone(f.Escalated)}
	recs, bodies := r.list(9), r.list(10)
	if r.err != nil {
		return store.GroupState{}, false, fmt.Errorf("redis group %s: %w", key, r.err)
	}
	if g.Members, err = decodeMembers(key, flatMap(recs), flatMap(bodies)); err != nil {
		return store.GroupState{}, false, fmt.Errorf("redis group %s: %w", key, err)
	}
	return g, true, nil
}

// Acknowledge records who acknowledged a group's incident and cancels
// its escalation timers, atomically. It returns store.ErrNotFound for an
// unknown group.
func (s *Store) Acknowledge(ctx context.Context, key, by string, now time.Time) error {
	k := s.part(key)
	ok, err := s.call(ctx, s.scripts.acknowledge, []string{k.group(key), k.timers},
		k.base, key, by, ms(now), s.opts.Retention.Milliseconds()).Int64()
	if err != nil {
		return fmt.Errorf("redis acknowledge %s: %w", key, err)
	}
	if ok == 0 {
		return fmt.Errorf("redis acknowledge %s: %w", key, store.ErrNotFound)
	}
	return nil
}

// flatMap turns a script's flat field/value array into a map.
func flatMap(l []any) map[string]string {
	m := make(map[string]string, len(l)/2)
	for i := 0; i+1 < len(l); i += 2 {
		k, _ := l[i].(string)
		v, _ := l[i+1].(string)
		m[k] = v
	}
	return m
}
