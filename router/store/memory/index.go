package memory

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"time"
)

// index is the store's Index: per key, each entry's expiry. Its zero
// value is empty and ready.
type index struct {
	mu      sync.Mutex
	entries map[string]map[string]time.Time
	// added counts additions since the last sweep of expired entries.
	added int
}

// Index adds entry under each of keys until now+ttl.
func (s *Store) Index(ctx context.Context, now time.Time, keys []string, entry string, ttl time.Duration) error {
	x := &s.index
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.entries == nil {
		x.entries = map[string]map[string]time.Time{}
	}
	for _, k := range keys {
		es := x.entries[k]
		if es == nil {
			es = map[string]time.Time{}
			x.entries[k] = es
		}
		es[entry] = now.Add(ttl)
	}
	if x.added += len(keys); x.added >= sweepIndexEvery {
		x.added = 0
		x.sweep(now)
	}
	return ctx.Err()
}

// sweepIndexEvery is how many additions the index takes between sweeps
// of its expired entries, so that keys nobody reads again are dropped.
const sweepIndexEvery = 4096

func (x *index) sweep(now time.Time) {
	for k, es := range x.entries {
		for e, until := range es {
			if !now.Before(until) {
				delete(es, e)
			}
		}
		if len(es) == 0 {
			delete(x.entries, k)
		}
	}
}

// Indexed returns the unexpired entries of each key, the soonest to
// expire first.
func (s *Store) Indexed(ctx context.Context, now time.Time, keys []string) (map[string][]string, error) {
	x := &s.index
	x.mu.Lock()
	defer x.mu.Unlock()
	out := map[string][]string{}
	for _, k := range keys {
		var live []string
		for e, until := range x.entries[k] {
			if now.Before(until) {
				live = append(live, e)
			}
		}
		if len(live) == 0 {
			continue
		}
		es := x.entries[k]
		slices.SortFunc(live, func(a, b string) int { return cmp.Or(es[a].Compare(es[b]), cmp.Compare(a, b)) })
		out[k] = live
	}
	return out, ctx.Err()
}
