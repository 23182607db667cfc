package console

import (
	"context"
	"sync"
	"time"

	"github.com/alertgate/alertgate/incident"
	"github.com/alertgate/alertgate/router/store"
)

// boardTTL is how long the Now board reuses what it read from the store.
// Every open console refreshes its board, and with Redis one read of
// thousands of incidents and their groups costs hundreds of
// milliseconds: several consoles then share one read a moment.
const boardTTL = 3 * time.Second

// boardCache keeps the incidents and group states the Now board read, for
// boardTTL. Actions taken through this replica clear it, so whoever acts
// sees the result at once.
type boardCache struct {
	mu        sync.Mutex
	at        time.Time
	incidents []incident.Incident
	groups    map[string]cachedGroup
}

type cachedGroup struct {
	state store.GroupState
	found bool
}

// clear forgets everything.
func (c *boardCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.at, c.incidents, c.groups = time.Time{}, nil, nil
}

// fresh reports whether the cache may be used at now; it empties a stale
// one. c.mu must be held.
func (c *boardCache) fresh(now time.Time) bool {
	if !c.at.IsZero() && now.Sub(c.at) >= 0 && now.Sub(c.at) < boardTTL {
		return true
	}
	c.at, c.incidents, c.groups = now, nil, map[string]cachedGroup{}
	return false
}

// incidents returns the recent incidents, read through the cache.
func (s *Server) boardIncidents(ctx context.Context, now time.Time) ([]incident.Incident, error) {
	c := &s.board
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fresh(now) && c.incidents != nil {
		return c.incidents, nil
	}
	list, err := s.recentIncidents(ctx, now)
	if err != nil {
		return nil, err
	}
	c.incidents = list
	return list, nil
}

// boardGroup returns the state of inc's group, read through the cache.
func (s *Server) boardGroup(ctx context.Context, inc incident.Incident, now time.Time) (store.GroupState, bool, error) {
	c := &s.board
	c.mu.Lock()
	if c.fresh(now) {
		if g, ok := c.groups[inc.ID]; ok {
			c.mu.Unlock()
			return g.state, g.found, nil
		}
	}
	c.mu.Unlock()
	g, found, err := s.deps.Engine.GroupOf(ctx, inc)
	if err != nil {
		return g, false, err
	}
	c.mu.Lock()
	if c.groups != nil {
		c.groups[inc.ID] = cachedGroup{state: g, found: found}
	}
	c.mu.Unlock()
	return g, found, nil
}
