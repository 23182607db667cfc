package store

import (
	"context"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/incident"
	"github.com/alertgate/alertgate/router/dedup"
	"github.com/alertgate/alertgate/router/notify"
)

// Core is the atomic core: every method is one atomic step across
// replicas (one Lua script on Redis). It decides on observations, settles
// flapping alerts, holds notification groups until they are due and
// leases them to one flusher, keeps the inhibitions firing alerts hold,
// escalation timers, acknowledgements, and the correlated incidents.
type Core interface {
	// Observe decides each observation, in order. The store may keep
	// the observations' alerts and group refs as they are (the memory
	// store does, rather than copy each): the caller hands them over
	// and must not change their maps or slices afterwards.
	Observe(ctx context.Context, now time.Time, obs []Observation) ([]dedup.Verdict, error)
	Settle(ctx context.Context, now time.Time) ([]dedup.Verdict, error)
	// ClaimGroups leases up to limit due groups. It may return fewer
	// while more are due (a store bounds what one claim carries); none
	// means none is left.
	ClaimGroups(ctx context.Context, now time.Time, limit int) ([]incident.Flush, error)
	// CompleteFlush enqueues the flush's notifications and marks what it
	// saw as notified; ErrLeaseLost if another replica took the group.
	CompleteFlush(ctx context.Context, now time.Time, f incident.Flush, entries [][]byte) error
	// Postpone releases a claimed group without notifying, due again at
	// until.
	Postpone(ctx context.Context, f incident.Flush, until time.Time) error
	Group(ctx context.Context, key string) (GroupState, bool, error)
	Acknowledge(ctx context.Context, key, by string, now time.Time) error
	Inhibitors(ctx context.Context, keys []string) (map[string][]alert.Fingerprint, error)
	ScheduleTimer(ctx context.Context, t Timer) error
	CancelTimers(ctx context.Context, group string) error
	ClaimTimers(ctx context.Context, now time.Time, limit int) ([]Timer, error)
	CompleteTimer(ctx context.Context, now time.Time, t Timer, entries [][]byte) error
	Correlate(ctx context.Context, now time.Time, p incident.CorrelationPolicy, reqs []CorrelateRequest) ([]incident.Correlation, error)
}

// Outbox is the durable queue of notifications, with its dead letters.
type Outbox interface {
	notify.Outbox
	DeadLetters(ctx context.Context, limit int) ([]notify.DeadLetter, error)
	OutboxDepth(ctx context.Context) (int64, error)
}

// Silences keeps the silences made through the API and Slack.
type Silences interface {
	SetSilence(ctx context.Context, s incident.Silence) error
	Silences(ctx context.Context, now time.Time) ([]incident.Silence, error)
	ExpireSilence(ctx context.Context, id string, now time.Time) error
}

// Incidents keeps incidents, their timelines and the daily counters of
// the noise report.
type Incidents interface {
	RecordIncident(ctx context.Context, u incident.Incident, events ...incident.Event) error
	Incident(ctx context.Context, id string) (incident.Incident, []incident.Event, bool, error)
	Incidents(ctx context.Context, now, since time.Time, limit int) ([]incident.Incident, error)
	// OpenIncidents lists the incidents that are not resolved, newest
	// first, at most limit: what Incidents lists of them, read from an
	// index of open incidents, without reading resolved ones.
	OpenIncidents(ctx context.Context, now time.Time, limit int) ([]incident.Incident, error)
	// ResolvedIncidents lists the incidents resolved at or after since,
	// newest first, at most limit (the most recently resolved).
	ResolvedIncidents(ctx context.Context, now, since time.Time, limit int) ([]incident.Incident, error)
	// GroupSummaries returns, for each incident, what its group holds
	// now, counted without reading the members: for many incidents at
	// once (one round trip on Redis), for a page of the Now board.
	GroupSummaries(ctx context.Context, incs []incident.Incident) ([]GroupSummary, error)
	Count(ctx context.Context, day string, add incident.Counters) error
	Counters(ctx context.Context, days []string) (map[string]incident.Counters, error)
}

// Threads remembers where each incident's messages live at each chat
// target, and the order of the notifications applied there.
type Threads interface {
	Thread(ctx context.Context, occurrence, target string) (incident.Thread, bool, error)
	SetThread(ctx context.Context, now time.Time, occurrence, target string, th incident.Thread) error
	Advance(ctx context.Context, now time.Time, occurrence, target string, seq int64) (bool, error)
}

// Cache is a byte cache with a TTL (LLM summaries). Entries are an
// optimization; a miss is always acceptable.
type Cache interface {
	CacheGet(ctx context.Context, now time.Time, key string) ([]byte, bool, error)
	CacheSet(ctx context.Context, now time.Time, key string, value []byte, ttl time.Duration) error
}

// Marks are at-most-once markers with a time to live, so that a person's
// action that arrives twice (a Slack retry, a double click, the same click
// reaching two replicas) applies once.
type Marks interface {
	// Mark sets key until now+ttl unless it is already set, and reports
	// whether this call set it. Of concurrent calls, across replicas,
	// exactly one does.
	Mark(ctx context.Context, now time.Time, key string, ttl time.Duration) (bool, error)
	// Unmark removes key, so that an action whose effect could not be
	// recorded may be tried again.
	Unmark(ctx context.Context, key string) error
}

// Index keeps short-lived entries by key, many keys at a time: which
// incidents were told recently, by the inhibition keys whose holders
// would explain them (absorption), and which alerts held an inhibition
// key until they resolved (the hang-over). An entry is an optimization
// with a time to live; a lost one only means an incident is told on its
// own.
type Index interface {
	// Index adds entry under each of keys until now+ttl; adding an entry
	// again extends its time.
	Index(ctx context.Context, now time.Time, keys []string, entry string, ttl time.Duration) error
	// Indexed returns the entries of each of keys whose time has not
	// passed at now, the soonest to end first; a key without any is left
	// out.
	Indexed(ctx context.Context, now time.Time, keys []string) (map[string][]string, error)
}

// Tallies reads some of a day's counters without the rest: the noise
// policy looks up the sounds of the incidents it flushes, on days whose
// counters name every incident of a storm.
type Tallies interface {
	// CountersOf returns the named counters of day; counters never
	// counted are absent.
	CountersOf(ctx context.Context, day string, names []string) (incident.Counters, error)
}

// Store is everything a backend implements.
type Store interface {
	Core
	Outbox
	Silences
	Incidents
	Threads
	Cache
	Marks
	Index
	Tallies
	// Epoch identifies the store's contents; it changes when the backend
	// lost what was written to it (a Redis restart without persistence).
	Epoch(ctx context.Context) (string, error)
	// Ping reports whether the backend answers.
	Ping(ctx context.Context) error
	Close() error
}

// ProcessLocal is implemented by a store whose contents live exactly as
// long as the process that holds them (the memory store): it cannot
// lose them while alertgate runs, so its epoch never changes and the
// engine keeps no journal of accepted alerts to ingest again.
type ProcessLocal interface {
	ProcessLocal()
}
