package redis

import (
	"context"
	"fmt"
	"strconv"

	"github.com/alertgate/alertgate/incident"
)

// CountersOf returns the named counters of day (HMGET), however many
// others the day has.
func (s *Store) CountersOf(ctx context.Context, day string, names []string) (incident.Counters, error) {
	out := incident.Counters{}
	if len(names) == 0 {
		return out, ctx.Err()
	}
	vals, err := s.client.HMGet(ctx, s.keys.counters(day), names...).Result()
	if err != nil {
		return nil, fmt.Errorf("redis counters of %s: %w", day, err)
	}
	for i, v := range vals {
		str, ok := v.(string)
		if !ok {
			continue
		}
		n, err := strconv.ParseInt(str, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("redis counters of %s %s: %w", day, names[i], err)
		}
		out[names[i]] = n
	}
	return out, nil
}
