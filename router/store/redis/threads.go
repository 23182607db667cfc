package redis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/alertgate/alertgate/incident"
	goredis "github.com/redis/go-redis/v9"
)

// Thread returns the thread of an incident at a target, if any.
func (s *Store) Thread(ctx context.Context, occurrence, target string) (incident.Thread, bool, error) {
	var th incident.Thread
	js, err := s.client.HGet(ctx, s.keys.thread(occurrence), target).Bytes()
	if errors.Is(err, goredis.Nil) {
		return th, false, nil
	}
	if err != nil {
		return th, false, fmt.Errorf("redis thread %s %s: %w", occurrence, target, err)
	}
	if err := json.Unmarshal(js, &th); err != nil {
		return th, false, fmt.Errorf("redis thread %s %s: %w", occurrence, target, err)
	}
	return th, true, nil
}

// SetThread records the thread of an incident at a target. It is kept
// as long as the incident.
func (s *Store) SetThread(ctx context.Context, _ time.Time, occurrence, target string, th incident.Thread) error {
	js, err := json.Marshal(th)
	if err != nil {
		return fmt.Errorf("redis set thread %s %s: %w", occurrence, target, err)
	}
	key := s.keys.thread(occurrence)
	_, err = s.client.TxPipelined(ctx, func(p goredis.Pipeliner) error {
		p.HSet(ctx, key, target, js)
		p.PExpire(ctx, key, s.opts.IncidentRetention)
		return nil
	})
	if err != nil {
		return fmt.Errorf("redis set thread %s %s: %w", occurrence, target, err)
	}
	return nil
}

// Advance records that notification seq of an incident is being applied
// at a target, and reports false if a newer one already was: an old
// notification retried late must not undo a newer one. Seq 0 is
// unordered and always applies (without a call to Redis).
func (s *Store) Advance(ctx context.Context, _ time.Time, occurrence, target string, seq int64) (bool, error) {
	if seq == 0 {
		return true, ctx.Err()
	}
	ok, err := s.call(ctx, s.scripts.advance, []string{s.keys.seq(occurrence)},
		target, seq, s.opts.IncidentRetention.Milliseconds()).Int64()
	if err != nil {
		return false, fmt.Errorf("redis advance %s %s: %w", occurrence, target, err)
	}
	return ok == 1, nil
}
