package memory

import (
	"context"
	"time"
)

type cached struct {
	value   []byte
	expires time.Time
}

// CacheGet returns a value cached for key that has not expired at now.
func (s *Store) CacheGet(ctx context.Context, now time.Time, key string) ([]byte, bool, error) {
	s.cacheMu.Lock()
	defer s.cacheMu.Unlock()
	c, ok := s.cache[key]
	if !ok || now.After(c.expires) {
		delete(s.cache, key)
		return nil, false, ctx.Err()
	}
	return append([]byte(nil), c.value...), true, ctx.Err()
}

// CacheSet stores a value for ttl from now.
func (s *Store) CacheSet(ctx context.Context, now time.Time, key string, value []byte, ttl time.Duration) error {
	s.cacheMu.Lock()
	defer s.cacheMu.Unlock()
	if len(s.cache) >= maxCacheEntries {
		s.evictCache(now)
	}
	s.cache[key] = cached{value: append([]byte(nil), value...), expires: now.Add(ttl)}
	return ctx.Err()
}

// maxCacheEntries bounds the cache; summaries are a few hundred bytes.
const maxCacheEntries = 10000

// evictCache drops expired entries, and if none expired, an arbitrary
// tenth of the cache.
func (s *Store) evictCache(now time.Time) {
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
