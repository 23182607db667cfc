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
func (s *Store) Inhibitors(ctx context.Context, keys []string) (map[string][]alert.Fingerprint, error) {
	out := map[string][]alert.Fingerprint{}
	if len(keys) == 0 {
		return out, ctx.Err()
	}
	cmds := make([]*goredis.StringSliceCmd, len(keys))
	_, err := s.client.TxPipelined(ctx, func(p goredis.Pipeliner) error {
		for i, k := range keys {
			cmds[i] = p.SMembers(ctx, s.keys.inhibit(k))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("redis inhibitors: %w", err)
	}
	for i, k := range keys {
		for _, fp := range cmds[i].Val() {
			out[k] = append(out[k], alert.Fingerprint(fp))
		}
		slices.Sort(out[k])
	}
	return out, nil
}
