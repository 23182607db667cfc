package redis

import (
	"context"
	"fmt"
	"slices"

	goredis "github.com/redis/go-redis/v9"

	"github.com/alertgate/alertgate/alert"
)

// Inhibitors returns, for each key, the firing alerts that hold it (see
// store.Observation.Inhibits; Observe maintains them), in one round
// trip. Keys nobody holds are absent from the result.
//
// An alert holds its inhibitions in the partition of its first group, so
// a key's holders are the union over partitions. With one partition the
// reads are one MULTI/EXEC (a consistent snapshot); across partitions
// (slots, so possibly shards) they are a plain pipeline.
func (s *Store) Inhibitors(ctx context.Context, keys []string) (map[string][]alert.Fingerprint, error) {
	out := map[string][]alert.Fingerprint{}
	if len(keys) == 0 {
		return out, ctx.Err()
	}
	cmds := make([][]*goredis.StringSliceCmd, len(keys))
	read := func(p goredis.Pipeliner) error {
		for i, k := range keys {
			for _, part := range s.parts {
				cmds[i] = append(cmds[i], p.SMembers(ctx, part.inhibit(k)))
			}
		}
		return nil
	}
	var err error
	if len(s.parts) == 1 {
		_, err = s.client.TxPipelined(ctx, read)
	} else {
		_, err = s.client.Pipelined(ctx, read)
	}
	if err != nil {
		return nil, fmt.Errorf("redis inhibitors: %w", err)
	}
	for i, k := range keys {
		for _, c := range cmds[i] {
			for _, fp := range c.Val() {
				out[k] = append(out[k], alert.Fingerprint(fp))
			}
		}
		if len(out[k]) > 0 {
			slices.Sort(out[k])
			out[k] = slices.Compact(out[k])
		}
	}
	return out, nil
}
