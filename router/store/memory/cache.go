package memory

import (
	"context"
	"time"
)

type cached struct {
	value   []byte
	expires time.Time
}

// CacheGet returns a cached value that has not expired. Expiry uses the
// wall clock: cache entries are an optimization, never a decision.
func (s *Store) CacheGet(ctx context.Context, key string) ([]byte, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.cache[key]
	if !ok || time.Now().After(c.expires) {
		delete(s.cache, key)
		return nil, false, ctx.Err()
	}
	return append([]byte(nil), c.value...), true, ctx.Err()
}

// CacheSet stores a value for ttl.
func (s *Store) CacheSet(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.cache) >= maxCacheEntries {
		s.evictCache()
	}
	s.cache[key] = cached{value: append([]byte(nil), value...), expires: time.Now().Add(ttl)}
	return ctx.Err()
}

// maxCacheEntries bounds the cache; summaries are a few hundred bytes.
const maxCacheEntries = 10000

// evictCache drops expired entries, and if none expired, an arbitrary
// tenth of the cache.
func (s *Store) evictCache() {
	now := time.Now()
	n := 0
	for k, c := range s.cache {
		if now.After(c.expires) {
			delete(s.cache, k)
			n++
		}
	}
	for k := range s.cache {
		if n >= maxCacheEntries/10 {
			return
		}
		delete(s.cache, k)
		n++
	}
}
