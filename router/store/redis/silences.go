package redis

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/alertgate/alertgate/incident"
	"github.com/alertgate/alertgate/router/store"
)

// SetSilence creates or replaces a silence.
func (s *Store) SetSilence(ctx context.Context, sil incident.Silence) error {
	rec, err := encodeSilence(sil)
	if err != nil {
		return fmt.Errorf("redis set silence %s: %w", sil.ID, err)
	}
	err = s.call(ctx, s.scripts.setSilence, []string{s.keys.silences},
		sil.ID, rec, silenceTTL(sil).Milliseconds(), s.opts.Retention.Milliseconds()).Err()
	if err != nil {
		return fmt.Errorf("redis set silence %s: %w", sil.ID, err)
	}
	return nil
}

// silenceTTL is how long from now sil must be kept: until it has been
// expired for store.SilenceRetention. SetSilence is not given the time,
// so it counts from when the silence was created, which is no later
// than now (or, if unknown, from its start); every Silences call then
// sets the TTL by the caller's clock.
func silenceTTL(sil incident.Silence) time.Duration {
	from := sil.CreatedAt
	if from.IsZero() {
		from = sil.StartsAt
	}
	if from.IsZero() {
		return 0
	}
	return sil.EndsAt.Add(store.SilenceRetention).Sub(from)
}

// Silences returns the silences that are pending, active, or expired
// less than store.SilenceRetention ago, ordered by start, and forgets
// the others.
func (s *Store) Silences(ctx context.Context, now time.Time) ([]incident.Silence, error) {
	res, err := s.call(ctx, s.scripts.listSilences, []string{s.keys.silences},
		ms(now), store.SilenceRetention.Milliseconds(), s.opts.Retention.Milliseconds()).StringSlice()
	if err != nil {
		return nil, fmt.Errorf("redis silences: %w", err)
	}
	out := make([]incident.Silence, 0, len(res)/2)
	for i := 0; i+1 < len(res); i += 2 {
		sil, err := decodeSilence(res[i+1])
		if err != nil {
			return nil, fmt.Errorf("redis silences: silence %s: %w", res[i], err)
		}
		out = append(out, sil)
	}
	slices.SortFunc(out, func(a, b incident.Silence) int {
		return cmp.Or(a.StartsAt.Compare(b.StartsAt), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

// ExpireSilence ends a silence now. It returns store.ErrNotFound for an
// unknown id.
func (s *Store) ExpireSilence(ctx context.Context, id string, now time.Time) error {
	ok, err := s.call(ctx, s.scripts.expireSilence, []string{s.keys.silences},
		id, ms(now), s.opts.Retention.Milliseconds()).Int64()
	if err != nil {
		return fmt.Errorf("redis expire silence %s: %w", id, err)
	}
	if ok == 0 {
		return fmt.Errorf("redis expire silence %s: %w", id, store.ErrNotFound)
	}
	return nil
}

// encodeSilence returns the record silences.lua keeps:
// startsAt|endsAt|JSON. The scripts change the times without parsing
// JSON, so the JSON leaves them zero rather than hold stale copies.
func encodeSilence(sil incident.Silence) (string, error) {
	starts, ends := ms(sil.StartsAt), ms(sil.EndsAt)
	sil.StartsAt, sil.EndsAt = time.Time{}, time.Time{}
	js, err := json.Marshal(sil)
	if err != nil {
		return "", err
	}
	return strconv.FormatInt(starts, 10) + "|" + strconv.FormatInt(ends, 10) + "|" + string(js), nil
}

func decodeSilence(rec string) (incident.Silence, error) {
	var sil incident.Silence
	f := strings.SplitN(rec, "|", 3)
	if len(f) != 3 {
		return sil, fmt.Errorf("malformed silence record")
	}
	starts, err1 := strconv.ParseInt(f[0], 10, 64)
	ends, err2 := strconv.ParseInt(f[1], 10, 64)
	if err := cmp.Or(err1, err2); err != nil {
		return sil, fmt.Errorf("silence times: %w", err)
	}
	if err := json.Unmarshal([]byte(f[2]), &sil); err != nil {
		return sil, err
	}
	sil.StartsAt, sil.EndsAt = fromMS(starts), fromMS(ends)
	return sil, nil
}
