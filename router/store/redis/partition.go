package redis

import (
	"context"
	"errors"
	"hash/crc32"
	"strconv"

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

// partitionTag is the hash tag of partition p of n.
func partitionTag(p, n int) string {
	if n <= 1 {
		return hashTag
	}
	return "{ag-" + strconv.Itoa(p) + "}:"
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
