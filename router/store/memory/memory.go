package memory

import (
	"container/list"
	"context"
	"sync"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/incident"
	"github.com/alertgate/alertgate/router/dedup"
	"github.com/alertgate/alertgate/router/store"
)

// Store is the in-memory state store. It is safe for concurrent use.
//
// Each concern has its own lock, so that a slow report does not hold up
// ingest: mu guards the atomic core (what the Redis store does in one
// script: alert state, groups, inhibitions, timers, correlation), and
// silences, incidents, threads, the cache and the outbox have one each.
// A step that spans two concerns (a flush completing into the outbox)
// takes mu first.
type Store struct {
	opts store.Options

	mu       sync.Mutex
	alerts   map[alert.Fingerprint]*tracked
	flapping map[alert.Fingerprint]struct{}
	groups   map[string]*group
	due      dueIndex // of groups
	inhibits map[string]map[alert.Fingerprint]struct{}
	timers   map[string]*timer
	// corrByService is each service's latest correlated incident;
	// corrByFP the incident each alert joined.
	corrByService map[string]*corrIncident
	corrByFP      map[alert.Fingerprint]*corrIncident
	lru           *list.List // of *tracked, most recently observed first
	evictions     uint64
	lastGC        time.Time
	leaseSeq      int64

	silencesMu sync.Mutex
	silences   map[string]incident.Silence

	// incidentsMu guards incidents and the daily counters.
	incidentsMu sync.Mutex
	incidents   map[string]*incidentRecord
	// open indexes the incidents that are not resolved.
	open     map[string]*incidentRecord
	counters map[string]incident.Counters

	// threadsMu guards threads and sequence numbers.
	threadsMu sync.Mutex
	threads   map[string]thread
	seqs      map[string]seqAt

	cacheMu sync.Mutex
	cache   map[string]cached

	marksMu sync.Mutex
	marks   map[string]time.Time // key -> expiry

	index index

	outbox outbox
}

// tracked is everything known about one fingerprint.
type tracked struct {
	state  dedup.AlertState
	alert  alert.Alert
	groups []incident.GroupRef
	elem   *list.Element
}

// The memory store is a complete backend.
var (
	_ store.Store        = (*Store)(nil)
	_ store.ProcessLocal = (*Store)(nil)
)

// New returns an empty store.
func New(opts store.Options) *Store {
	s := &Store{
		opts:      opts.WithDefaults(),
		alerts:    map[alert.Fingerprint]*tracked{},
		flapping:  map[alert.Fingerprint]struct{}{},
		groups:    map[string]*group{},
		inhibits:  map[string]map[alert.Fingerprint]struct{}{},
		silences:  map[string]incident.Silence{},
		timers:    map[string]*timer{},
		threads:   map[string]thread{},
		seqs:      map[string]seqAt{},
		incidents: map[string]*incidentRecord{},
		open:      map[string]*incidentRecord{},
		counters:  map[string]incident.Counters{},
		cache:     map[string]cached{},
		marks:     map[string]time.Time{},

		corrByService: map[string]*corrIncident{},
		corrByFP:      map[alert.Fingerprint]*corrIncident{},
		lru:           list.New(),
	}
	s.outbox.init()
	return s
}

// Observe decides every observation of a batch under one lock, the
// in-process equivalent of the Redis store's single script call.
func (s *Store) Observe(ctx context.Context, now time.Time, obs []store.Observation) ([]dedup.Verdict, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]dedup.Verdict, len(obs))
	for i := range obs {
		out[i] = s.observe(&obs[i], now)
	}
	return out, nil
}

func (s *Store) observe(o *store.Observation, now time.Time) dedup.Verdict {
	a := &o.Alert
	t := s.alerts[a.Fingerprint]
	if t == nil {
		t = &tracked{}
		s.alerts[a.Fingerprint] = t
	}
	v := dedup.Decide(&t.state, a, o.RepeatInterval, s.opts.Flap, now)
	if t.alert.Fingerprint == "" {
		t.alert.Fingerprint = a.Fingerprint
	}
	s.touchLRU(t)
	if v.Reason != incident.ReasonStale {
		s.holdInhibits(a, o.Inhibits)
	}
	if t.state.Pending() {
		s.flapping[a.Fingerprint] = struct{}{}
	}
	// The store keeps the observation's alert as it is: Observe's
	// callers hand it over (store.Core).
	switch v.Action {
	case dedup.Notify:
		t.alert = *a
		t.groups = o.Groups
		v.Scheduled = s.join(t, v.Reason, now)
	case dedup.Suppress:
		switch v.Reason {
		case incident.ReasonFlapSuppressed:
			t.alert = *a
			s.touch(t)
		case incident.ReasonResolveHeld:
			t.alert = *a // what Settle tells once the hold is over
		}
	}
	return v
}

// Settle ends flapping for alerts that have been stable for the quiet
// period and schedules their groups, so the final state is delivered
// even if the source never sends again.
func (s *Store) Settle(ctx context.Context, now time.Time) ([]dedup.Verdict, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.gc(now)
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []dedup.Verdict
	for fp := range s.flapping {
		t := s.alerts[fp]
		if t == nil {
			delete(s.flapping, fp)
			continue
		}
		if !t.state.Pending() {
			delete(s.flapping, fp)
			continue
		}
		v, ok := dedup.Settle(&t.state, fp, now)
		if !ok {
			continue
		}
		delete(s.flapping, fp)
		s.join(t, v.Reason, now)
		out = append(out, v)
	}
	return out, nil
}

// Ping reports whether the store is usable; the memory store always is.
func (s *Store) Ping(context.Context) error { return nil }

// Close releases nothing; it exists to satisfy the same interface as the
// Redis store.
func (s *Store) Close() error { return nil }

// Len returns the number of tracked fingerprints.
func (s *Store) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.alerts)
}
