package redis

import (
	"context"
	"errors"
	"hash/crc32"
	"strconv"
	"sync"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// Partitions: the state that every webhook touches — alerts, groups,
// their due set, flapping set, inhibitions, escalation timers and the
// outbox the group flushes write to — is split by group into
// Options.Partitions partitions, each under a hash tag of its own
// ({ag-0}, {ag-1}, …), so that a Redis Cluster spreads them over its
// masters. A group's keys, and the state of the alerts in it, share
// its partition, so every decision about a group stays one atomic
// script; a webhook's work is one script call per partition it
// touches, pipelined (go-redis sends each shard its part at once).
//
// An alert whose groups fall in different partitions has its
// deduplication state kept in each of them: each partition sees the
// same observations and so decides the same way. Its inhibitions live in
// the partition of its first group. Everything else (silences,
// incidents and timelines, threads, counters, the cache, correlated
// incidents, the epoch) is small, written per notification or per
// operator action rather than per alert, and keeps the one hash tag {ag}.
//
// With one partition (the default) every key has the hash tag {ag}, as
// before partitions existed. Changing the number of partitions moves
// every group to another partition: alerts look new once, and re-notify.

// partitionTag is the hash tag of partition p of n: {ag-p-k}, with the
// smallest k that puts it in the p-th n-th of the cluster's 16,384 slots.
// redis-cli --cluster create gives each master an equal run of slots, so
// evenly spaced partitions are evenly spread over the masters, however
// many there are.
func partitionTag(p, n int) string {
	if n <= 1 {
		return hashTag
	}
	lo, hi := p*clusterSlots/n, (p+1)*clusterSlots/n
	for k := 0; ; k++ {
		tag := "ag-" + strconv.Itoa(p) + "-" + strconv.Itoa(k)
		if slot := int(crc16([]byte(tag)) % clusterSlots); slot >= lo && slot < hi {
			return "{" + tag + "}:"
		}
	}
}

// clusterSlots is the number of hash slots of a Redis Cluster.
const clusterSlots = 16384

// crc16 is the CRC-16/XMODEM Redis Cluster hashes keys with.
func crc16(b []byte) uint16 {
	var crc uint16
	for _, c := range b {
		crc ^= uint16(c) << 8
		for range 8 {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	return crc
}

// newPartitions returns the keys of each of n partitions.
func newPartitions(prefix string, n int) []keys {
	out := make([]keys, max(n, 1))
	for p := range out {
		out[p] = newKeysTagged(prefix, partitionTag(p, n))
	}
	return out
}

// partitionOf returns the partition of a group key (or, for an alert
// with no group, its fingerprint).
func (s *Store) partitionOf(key string) int {
	if len(s.parts) == 1 {
		return 0
	}
	return int(crc32.ChecksumIEEE([]byte(key)) % uint32(len(s.parts)))
}

// part returns the keys of the partition a group key belongs to.
func (s *Store) part(key string) keys { return s.parts[s.partitionOf(key)] }

// scriptCall is one script call of a pipeline.
type scriptCall struct {
	script *goredis.Script
	keys   []string
	args   []any
}

// runScripts runs script calls in one pipeline (one round trip per
// shard) and returns their replies in order. A call that finds its script
// missing (NOSCRIPT: a restarted or failed-over server) is sent again
// with the script's source, once.
func (s *Store) runScripts(ctx context.Context, calls []scriptCall) ([]*goredis.Cmd, error) {
	if len(calls) == 1 {
		c := calls[0]
		return []*goredis.Cmd{c.script.Run(ctx, s.client, c.keys, c.args...)}, nil
	}
	cmds := make([]*goredis.Cmd, len(calls))
	_, err := s.client.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for i, c := range calls {
			cmds[i] = c.script.EvalSha(ctx, p, c.keys, c.args...)
		}
		return nil
	})
	if err != nil && !errors.Is(err, goredis.Nil) && !hasNoScript(cmds) {
		return cmds, err
	}
	var again []int
	for i, cmd := range cmds {
		if goredis.HasErrorPrefix(cmd.Err(), "NOSCRIPT") {
			again = append(again, i)
		}
	}
	if len(again) == 0 {
		return cmds, nil
	}
	_, err = s.client.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for _, i := range again {
			c := calls[i]
			cmds[i] = c.script.Eval(ctx, p, c.keys, c.args...)
		}
		return nil
	})
	if err != nil && !errors.Is(err, goredis.Nil) {
		return cmds, err
	}
	return cmds, nil
}

func hasNoScript(cmds []*goredis.Cmd) bool {
	for _, c := range cmds {
		if c != nil && goredis.HasErrorPrefix(c.Err(), "NOSCRIPT") {
			return true
		}
	}
	return false
}

// claimRounds claims up to limit items (groups, timers, outbox entries)
// across partitions: a first round asks each partition for its share of
// limit, starting at a rotating partition; while the claim is short,
// further rounds ask for the rest from the partitions that may have
// more: those that filled their share, and those not asked yet. round
// claims the given number from each partition (one pipeline) and
// returns how many each gave. With one partition it is a single call.
func (s *Store) claimRounds(limit int, round func(want []int) ([]int, error)) error {
	n := len(s.parts)
	offset := int(s.claimOffset.Add(1))
	want := shares(limit, n, offset)
	done := make([]bool, n) // gave less than asked: nothing more there
	for limit > 0 {
		got, err := round(want)
		if err != nil {
			return err
		}
		for p, k := range got {
			limit -= k
			if want[p] > 0 && k < want[p] {
				done[p] = true
			}
		}
		var more []int
		for i := range n {
			if p := (offset + i) % n; !done[p] {
				more = append(more, p)
			}
		}
		if limit <= 0 || len(more) == 0 {
			return nil
		}
		want = make([]int, n)
		for i := range limit {
			want[more[i%len(more)]]++
		}
	}
	return nil
}

// shares splits limit over n partitions, starting at a rotating offset
// so that, when limit < n, every partition gets its turn.
func shares(limit, n, offset int) []int {
	out := make([]int, n)
	for i := range limit {
		out[(offset+i)%n]++
	}
	return out
}

// replicaWait bounds how long an accepted batch waits for a replica to
// have it (WAIT), on a Redis Cluster; replication on a healthy cluster
// takes well under a millisecond, so the bound is only ever reached
// when a master has no replica in sync.
const replicaWait = time.Second

// noReplicaPause is how long a partition whose WAIT found no replica
// (its master lost it, or never had one) goes without waiting, so a
// cluster short of replicas does not slow every webhook by replicaWait.
const noReplicaPause = 10 * time.Second

// runDurable runs the script calls of a batch whose success tells a
// sender its alerts were accepted. On a Redis Cluster, where a master
// replicates asynchronously and a failover loses what its replica did
// not yet have, each call is followed by WAIT on the same connection, so
// the call returns once a replica has its writes too (or replicaWait
// passed: a master without a live replica still accepts). The calls of
// different partitions run side by side. Elsewhere it is runScripts.
func (s *Store) runDurable(ctx context.Context, calls []scriptCall) ([]*goredis.Cmd, error) {
	if !s.cluster {
		return s.runScripts(ctx, calls)
	}
	cmds := make([]*goredis.Cmd, len(calls))
	errs := make([]error, len(calls))
	var wg sync.WaitGroup
	for i, c := range calls {
		if !s.replicas.expected(c.keys[0]) {
			cmds[i] = c.script.Run(ctx, s.client, c.keys, c.args...)
			if err := cmds[i].Err(); err != nil && !errors.Is(err, goredis.Nil) {
				errs[i] = err
			}
			continue
		}
		wg.Go(func() {
			// A pipeline sends a keyless command (WAIT) to the node,
			// and over the connection, of its first keyed command.
			var wait *goredis.Cmd
			run := func(eval bool) error {
				_, err := s.client.Pipelined(ctx, func(p goredis.Pipeliner) error {
					if eval {
						cmds[i] = c.script.Eval(ctx, p, c.keys, c.args...)
					} else {
						cmds[i] = c.script.EvalSha(ctx, p, c.keys, c.args...)
					}
					wait = p.Do(ctx, "WAIT", 1, replicaWait.Milliseconds())
					return nil
				})
				return err
			}
			err := run(false)
			if goredis.HasErrorPrefix(cmds[i].Err(), "NOSCRIPT") {
				err = run(true)
			}
			if err != nil && !errors.Is(err, goredis.Nil) {
				errs[i] = err
				return
			}
			if n, _ := wait.Int64(); n < 1 {
				s.replicas.missing(c.keys[0])
			}
		})
	}
	wg.Wait()
	return cmds, errors.Join(errs...)
}

// replicaWatch remembers the partitions (by a key of theirs) whose
// master had no replica to WAIT for.
type replicaWatch struct {
	mu    sync.Mutex
	until map[string]time.Time
}

// expected reports whether a WAIT on key's master is worth it.
func (w *replicaWatch) expected(key string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return time.Now().After(w.until[key])
}

func (w *replicaWatch) missing(key string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.until == nil {
		w.until = map[string]time.Time{}
	}
	w.until[key] = time.Now().Add(noReplicaPause)
}
