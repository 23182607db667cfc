package memory

import (
	"container/list"
	"time"

	"github.com/alertgate/alertgate/router/store"
)

// gcEvery is how often the memory store forgets what has expired.
const gcEvery = time.Minute

// touchLRU marks t as the most recently observed alert and evicts the
// least recently observed ones beyond MaxAlerts. An evicted alert that
// comes back looks new: under memory pressure a duplicate notification is
// the price, never a lost one.
func (s *Store) touchLRU(t *tracked) {
	if t.elem == nil {
		t.elem = s.lru.PushFront(t)
	} else {
		s.lru.MoveToFront(t.elem)
	}
	for s.lru.Len() > s.opts.MaxAlerts {
		s.forget(s.lru.Back())
		s.evictions++
	}
}

func (s *Store) forget(e *list.Element) {
	t := e.Value.(*tracked)
	s.lru.Remove(e)
	delete(s.alerts, t.alert.Fingerprint)
	delete(s.flapping, t.alert.Fingerprint)
}

// gc drops state that outlived its retention, like the TTLs of the Redis
// store: alerts not seen for Retention, the inhibitions they held, groups
// idle for Retention and their timers, and per-incident state (counters,
// threads, sequence numbers) older than IncidentRetention. It runs at
// most every gcEvery, each concern under its own lock.
func (s *Store) gc(now time.Time) {
	s.mu.Lock()
	due := now.Sub(s.lastGC) >= gcEvery
	if due {
		s.lastGC = now
		s.gcCore(now)
	}
	s.mu.Unlock()
	if !due {
		return
	}
	s.gcCounters(now)
	s.gcThreads(now)
}

// gcCore forgets expired alert, group and correlation state; s.mu is
// held.
func (s *Store) gcCore(now time.Time) {
	for e := s.lru.Back(); e != nil; e = s.lru.Back() {
		if now.Sub(e.Value.(*tracked).state.LastSeen) <= s.opts.Retention {
			break
		}
		s.forget(e)
	}
	for k, set := range s.inhibits {
		for fp := range set {
			if _, ok := s.alerts[fp]; !ok {
				delete(set, fp)
			}
		}
		if len(set) == 0 {
			delete(s.inhibits, k)
		}
	}
	for k, g := range s.groups {
		if g.lease == "" && now.Sub(later(g.opened, g.lastFlush)) > s.opts.Retention {
			delete(s.groups, k)
			s.cancelTimers(k)
		}
	}
	for svc, inc := range s.corrByService {
		if !inc.resolvedAt.IsZero() && now.Sub(inc.resolvedAt) > s.opts.Retention || now.Sub(inc.lastJoin) > s.opts.Retention {
			delete(s.corrByService, svc)
		}
	}
	for fp, inc := range s.corrByFP {
		if _, member := inc.members[fp]; !member || now.Sub(inc.lastJoin) > s.opts.Retention {
			delete(s.corrByFP, fp)
		}
	}
}

// gcCounters forgets daily counters older than the incident retention.
func (s *Store) gcCounters(now time.Time) {
	s.incidentsMu.Lock()
	defer s.incidentsMu.Unlock()
	for day := range s.counters {
		if d, err := time.Parse(time.DateOnly, day); err == nil && now.Sub(d) > s.opts.IncidentRetention {
			delete(s.counters, day)
		}
	}
}

// Stats reports the store's size, for metrics.
func (s *Store) Stats() store.Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return store.Stats{Alerts: len(s.alerts), Groups: len(s.groups), Evictions: s.evictions}
}
