package redis

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/alertgate/alertgate/incident"
	"github.com/alertgate/alertgate/router/dedup"
	"github.com/alertgate/alertgate/router/store"
)

// DefaultPrefix is the key prefix New uses when given none.
const DefaultPrefix = "alertgate:"

// hashTag follows the prefix in every key. Redis Cluster hashes only the
// part between the first braces, so all of a store's keys live in one
// slot and every script may touch any of them atomically.
const hashTag = "{ag}:"

// consumerGroup is the outbox stream's consumer group; every replica
// reads through it, each as its own consumer.
const consumerGroup = "alertgate"

// Store is the Redis state store. Any number of Stores, in any number of
// processes, that share a Redis server and a prefix behave as one store:
// every decision is a Lua script, so it is atomic across replicas. A
// Store is safe for concurrent use.
type Store struct {
	client goredis.UniversalClient
	opts   store.Options
	// keys are the keys of the state that is not partitioned (silences,
	// incidents, …); parts those of each partition (partition.go).
	keys    keys
	parts   []keys
	scripts scripts
	trips   *tripCounter
	// recounts counts group tallies found wrong (summary.go).
	recounts atomic.Uint64
	// observer and correlator coalesce concurrent Observe and Correlate
	// calls into shared script calls.
	observer *batcher[observeCall, []dedup.Verdict]
	// cluster says the client is a Redis Cluster client (see runDurable).
	cluster  bool
	replicas replicaWatch
	// claimOffset rotates the partition that claims start at.
	claimOffset atomic.Uint64
	correlator  *batcher[correlateCall, []incident.Correlation]
	// caller coalesces the other script calls into pipelines (call).
	caller *batcher[scriptCall, *goredis.Cmd]
	// looked spares waiting consumers needless looks (outbox.go).
	looked looks
}

// The Redis store is a complete backend.
var _ store.Store = (*Store)(nil)

// New returns a store that keeps its state in client under prefix
// (DefaultPrefix if empty). It adds a hook to client that counts round
// trips (see RoundTrips), so give each Store its own client. The Store
// owns client from then on: Close closes it.
func New(client goredis.UniversalClient, prefix string, opts store.Options) *Store {
	if prefix == "" {
		prefix = DefaultPrefix
	}
	s := &Store{
		client:  client,
		opts:    opts.WithDefaults(),
		keys:    newKeysTagged(prefix, hashTag),
		parts:   newPartitions(prefix, opts.Partitions),
		scripts: newScripts(),
		trips:   &tripCounter{},
	}
	_, s.cluster = client.(*goredis.ClusterClient)
	s.observer, s.correlator, s.caller = newObserver(s), newCorrelator(s), newCaller(s)
	client.AddHook(s.trips)
	return s
}

// Ping reports whether Redis answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.client.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("redis ping: %w", err)
	}
	return nil
}

// Close closes the client.
func (s *Store) Close() error { return s.client.Close() }

// RoundTrips returns the number of requests the store's client has sent
// to Redis: one per command, one per pipeline. go-redis's handshake on a
// new connection (HELLO, CLIENT SETINFO) counts too, as does the EVAL
// that follows a NOSCRIPT the first time a script runs on a server.
func (s *Store) RoundTrips() uint64 { return s.trips.n.Load() }

// keys names the store's Redis keys; doc.go describes each.
type keys struct {
	base      string // prefix + hash tag: the start of every key
	due       string
	flapping  string
	outbox    string
	retry     string
	dead      string
	timers    string
	silences  string
	incidents string
	// open, resolved and cards index the incidents (lua/incidents.lua).
	open, resolved, cards string
}

func newKeysTagged(prefix, tag string) keys {
	base := prefix + tag
	return keys{
		base:      base,
		due:       base + "groups:due",
		flapping:  base + "flapping",
		outbox:    base + "outbox",
		retry:     base + "outbox:retry",
		dead:      base + "outbox:dead",
		timers:    base + "timers:due",
		silences:  base + "silences",
		incidents: base + "incidents",
		open:      base + "incidents:open",
		resolved:  base + "incidents:resolved",
		cards:     base + "incidents:cards",
	}
}

func (k keys) group(key string) string       { return k.base + "group:" + key }
func (k keys) members(key string) string     { return k.base + "members:" + key }
func (k keys) bodies(key string) string      { return k.base + "bodies:" + key }
func (k keys) inhibit(key string) string     { return k.base + "inhibit:" + key }
func (k keys) timer(group string) string     { return k.base + "timer:" + group }
func (k keys) thread(incident string) string { return k.base + "thread:" + incident }
func (k keys) seq(incident string) string    { return k.base + "seq:" + incident }
func (k keys) incident(id string) string     { return k.base + "incident:" + id }
func (k keys) timeline(id string) string     { return k.base + "timeline:" + id }
func (k keys) counters(day string) string    { return k.base + "counters:" + day }
func (k keys) cache(key string) string       { return k.base + "cache:" + key }

// The correlation keys; correlate.lua derives the same names.
func (k keys) corrService(service string) string { return k.base + "corrsvc:" + service }
func (k keys) corrIncident(key string) string    { return k.base + "corr:" + key }
func (k keys) corrMembers(key string) string     { return k.base + "corrmembers:" + key }
func (k keys) corrFP(fp string) string           { return k.base + "corrfp:" + fp }

// tripCounter is a go-redis hook that counts round trips.
type tripCounter struct{ n atomic.Uint64 }

func (c *tripCounter) DialHook(next goredis.DialHook) goredis.DialHook { return next }

func (c *tripCounter) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook {
	return func(ctx context.Context, cmd goredis.Cmder) error {
		c.n.Add(1)
		return next(ctx, cmd)
	}
}

func (c *tripCounter) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []goredis.Cmder) error {
		c.n.Add(1)
		return next(ctx, cmds)
	}
}

// ms converts t to Unix milliseconds, the store's time format; the zero
// time is 0.
func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// fromMS is the inverse of ms.
func fromMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}
