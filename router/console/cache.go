package console

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/alertgate/alertgate/incident"
	"github.com/alertgate/alertgate/router/internal/operator"
	"github.com/alertgate/alertgate/router/store"
	"github.com/alertgate/alertgate/web"
)

// boardTTL is how long the Now board reuses what it read from the store.
// Every open console refreshes its board, and with Redis one read of
// thousands of open incidents costs tens of milliseconds of the server
// every replica shares: several consoles then share one read a moment.
const boardTTL = 3 * time.Second

// boardCache keeps the incidents and group summaries the Now board read,
// for boardTTL. Actions taken through this replica clear it, so whoever
// acts sees the result at once.
type boardCache struct {
	mu sync.Mutex
	at time.Time
	// open are the open incidents; resolved those resolved in the last
	// web.BoardResolvedFor, read only when the board asks for them.
	open, resolved []incident.Incident
	summaries      map[string]store.GroupSummary // by incident ID
}

// clear forgets everything.
func (c *boardCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.at, c.open, c.resolved, c.summaries = time.Time{}, nil, nil, nil
}

// fresh reports whether the cache may be used at now; it empties a stale
// one. c.mu must be held.
func (c *boardCache) fresh(now time.Time) bool {
	if !c.at.IsZero() && now.Sub(c.at) >= 0 && now.Sub(c.at) < boardTTL {
		return true
	}
	c.at, c.open, c.resolved, c.summaries = now, nil, nil, map[string]store.GroupSummary{}
	return false
}

// boardIncidents returns the open incidents, and with resolved those
// resolved in the last web.BoardResolvedFor, read through the cache.
func (s *Server) boardIncidents(ctx context.Context, now time.Time, resolved bool) ([]incident.Incident, error) {
	c := &s.board
	c.mu.Lock()
	defer c.mu.Unlock()
	fresh := c.fresh(now)
	if !fresh || c.open == nil {
		list, err := s.deps.Store.OpenIncidents(ctx, now, operator.MaxIncidents)
		if err != nil {
			return nil, err
		}
		c.open = list
	}
	if !resolved {
		return c.open, nil
	}
	if !fresh || c.resolved == nil {
		list, err := s.deps.Store.ResolvedIncidents(ctx, now, now.Add(-web.BoardResolvedFor), operator.MaxIncidents)
		if err != nil {
			return nil, err
		}
		c.resolved = list
	}
	return append(slices.Clip(c.open), c.resolved...), nil
}

// boardSummaries returns what the groups of incs hold, read through the
// cache: the incidents not cached are read in one store call.
func (s *Server) boardSummaries(ctx context.Context, incs []incident.Incident, now time.Time) ([]store.GroupSummary, error) {
	c := &s.board
	out := make([]store.GroupSummary, len(incs))
	var missing []incident.Incident
	var at []int
	c.mu.Lock()
	fresh := c.fresh(now)
	for i, inc := range incs {
		if sum, ok := c.summaries[inc.ID]; fresh && ok {
			out[i] = sum
		} else {
			missing, at = append(missing, inc), append(at, i)
		}
	}
	c.mu.Unlock()
	if len(missing) == 0 {
		return out, nil
	}
	got, err := s.deps.Store.GroupSummaries(ctx, missing)
	if err != nil {
		return out, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for j, sum := range got {
		out[at[j]] = sum
		if c.summaries != nil {
			c.summaries[missing[j].ID] = sum
		}
	}
	return out, nil
}
