package redis

import (
	"context"
	"fmt"
	"time"
)

// mark is the key of an at-most-once marker (see doc.go).
func (k keys) mark(key string) string { return k.base + "mark:" + key }

// Mark sets key until ttl from now unless it is set (SET NX PX): Redis
// decides which of concurrent callers, on any replica, set it, and
// expires it itself, so the caller's time is not needed.
func (s *Store) Mark(ctx context.Context, _ time.Time, key string, ttl time.Duration) (bool, error) {
	ok, err := s.client.SetNX(ctx, s.keys.mark(key), 1, ttl).Result()
	if err != nil {
		return false, fmt.Errorf("redis mark: %w", err)
	}
	return ok, nil
}

// Unmark removes key.
func (s *Store) Unmark(ctx context.Context, key string) error {
	if err := s.client.Del(ctx, s.keys.mark(key)).Err(); err != nil {
		return fmt.Errorf("redis unmark: %w", err)
	}
	return nil
}
