package memory

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/alertgate/alertgate/incident"
	"github.com/alertgate/alertgate/router/store"
)

// SetSilence creates or replaces a silence.
func (s *Store) SetSilence(ctx context.Context, sil incident.Silence) error {
	s.silencesMu.Lock()
	defer s.silencesMu.Unlock()
	s.silences[sil.ID] = sil
	return ctx.Err()
}

// Silences returns the silences that are pending, active, or expired less
// than store.SilenceRetention ago, ordered by start.
func (s *Store) Silences(ctx context.Context, now time.Time) ([]incident.Silence, error) {
	s.silencesMu.Lock()
	defer s.silencesMu.Unlock()
	out := make([]incident.Silence, 0, len(s.silences))
	for id, sil := range s.silences {
		if now.Sub(sil.EndsAt) > store.SilenceRetention {
			delete(s.silences, id)
			continue
		}
		out = append(out, sil)
	}
	slices.SortFunc(out, func(a, b incident.Silence) int {
		return cmp.Or(a.StartsAt.Compare(b.StartsAt), cmp.Compare(a.ID, b.ID))
	})
	return out, ctx.Err()
}

// ExpireSilence ends a silence now. It returns store.ErrNotFound for an
// unknown id.
func (s *Store) ExpireSilence(ctx context.Context, id string, now time.Time) error {
	s.silencesMu.Lock()
	defer s.silencesMu.Unlock()
	sil, ok := s.silences[id]
	if !ok {
		return store.ErrNotFound
	}
	if sil.EndsAt.After(now) {
		sil.EndsAt = now
		if sil.StartsAt.After(now) {
			sil.StartsAt = now
		}
		s.silences[id] = sil
	}
	return ctx.Err()
}
