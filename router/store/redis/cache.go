package redis

import (
	"context"
	"errors"
	"fmt"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// CacheGet returns a cached value (an LLM summary, say). Redis expires
// entries itself, so the caller's time is not needed.
func (s *Store) CacheGet(ctx context.Context, _ time.Time, key string) ([]byte, bool, error) {
	b, err := s.client.Get(ctx, s.keys.cache(key)).Bytes()
	switch {
	case errors.Is(err, goredis.Nil):
		return nil, false, nil
	case err != nil:
		return nil, false, fmt.Errorf("redis cache get: %w", err)
	}
	return b, true, nil
}

// CacheSet stores a value for ttl.
func (s *Store) CacheSet(ctx context.Context, _ time.Time, key string, value []byte, ttl time.Duration) error {
	if err := s.client.Set(ctx, s.keys.cache(key), value, ttl).Err(); err != nil {
		return fmt.Errorf("redis cache set: %w", err)
	}
	return nil
}
