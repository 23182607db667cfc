package redis

import (
	"context"
	"errors"
	"fmt"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// CacheGet returns a cached value (an LLM summary, say).
func (s *Store) CacheGet(ctx context.Context, key string) ([]byte, bool, error) {
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
func (s *Store) CacheSet(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if err := s.client.Set(ctx, s.keys.cache(key), value, ttl).Err(); err != nil {
		return fmt.Errorf("redis cache set: %w", err)
	}
	return nil
}
