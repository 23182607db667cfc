package memory

import (
	"context"
	"time"
)

// Mark sets key until now+ttl unless it is set and not expired.
func (s *Store) Mark(ctx context.Context, now time.Time, key string, ttl time.Duration) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	s.marksMu.Lock()
	defer s.marksMu.Unlock()
	if until, ok := s.marks[key]; ok && now.Before(until) {
		return false, nil
	}
	if len(s.marks) >= maxMarks {
		s.pruneMarks(now)
	}
	s.marks[key] = now.Add(ttl)
	return true, nil
}

// Unmark removes key.
func (s *Store) Unmark(ctx context.Context, key string) error {
	s.marksMu.Lock()
	defer s.marksMu.Unlock()
	delete(s.marks, key)
	return ctx.Err()
}

// maxMarks is how many marks the store holds before it drops the expired
// ones. Marks last minutes and are set by people clicking, so the bound
// is rarely reached; unexpired marks are never dropped.
const maxMarks = 1024

func (s *Store) pruneMarks(now time.Time) {
	for k, until := range s.marks {
		if !now.Before(until) {
			delete(s.marks, k)
		}
	}
}
