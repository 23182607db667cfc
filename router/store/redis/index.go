package redis

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// index is the key of an Index key's entries (see doc.go).
func (k keys) index(key string) string { return k.base + "index:" + key }

// Index adds entry under each of keys until now+ttl, in one script call.
func (s *Store) Index(ctx context.Context, now time.Time, keys []string, entry string, ttl time.Duration) error {
	if len(keys) == 0 {
		return ctx.Err()
	}
	args := make([]any, 0, 4+len(keys))
	args = append(args, s.keys.base, ms(now), ms(now.Add(ttl)), entry)
	for _, k := range keys {
		args = append(args, k)
	}
	err := s.call(ctx, s.scripts.index, []string{s.keys.index(keys[0])}, args...).Err()
	if err != nil && !errors.Is(err, goredis.Nil) {
		return fmt.Errorf("redis index: %w", err)
	}
	return nil
}

// Indexed returns the unexpired entries of each key, the soonest to
// expire first, in one round trip.
func (s *Store) Indexed(ctx context.Context, now time.Time, keys []string) (map[string][]string, error) {
	out := map[string][]string{}
	if len(keys) == 0 {
		return out, ctx.Err()
	}
	cmds := make([]*goredis.StringSliceCmd, len(keys))
	_, err := s.client.Pipelined(ctx, func(p goredis.Pipeliner) error {
		from := "(" + strconv.FormatInt(ms(now), 10)
		for i, k := range keys {
			cmds[i] = p.ZRangeByScore(ctx, s.keys.index(k), &goredis.ZRangeBy{Min: from, Max: "+inf"})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("redis indexed: %w", err)
	}
	for i, k := range keys {
		if es := cmds[i].Val(); len(es) > 0 {
			out[k] = es
		}
	}
	return out, nil
}
