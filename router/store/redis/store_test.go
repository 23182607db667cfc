package redis

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/incident"
	"github.com/alertgate/alertgate/router/dedup"
	"github.com/alertgate/alertgate/router/notify"
	"github.com/alertgate/alertgate/router/store"
	"github.com/alertgate/alertgate/router/store/redis/redistest"
	"github.com/alertgate/alertgate/router/store/storetest"
)

var t0 = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)

var testOptions = store.Options{
	Flap:      dedup.FlapPolicy{Transitions: 4, Window: 30 * time.Minute, Quiet: 10 * time.Minute},
	Retention: 24 * time.Hour,
	LeaseTTL:  30 * time.Second,
	// Redis measures how long an entry has been claimed with its own
	// clock, which a test cannot advance: no entry is reclaimed while a
	// test runs unless the test ages it (see age).
	ReclaimAfter: time.Hour,
}

var team = incident.GroupRef{Key: "g-team", Route: "{}/0", Receiver: "team", Labels: map[string]string{"service": "api"}, Wait: 30 * time.Second, Interval: 5 * time.Minute}

// newClient connects to srv; the client is closed when t ends.
func newClient(t testing.TB, srv *redistest.Server) goredis.UniversalClient {
	t.Helper()
	c, err := NewClient(Config{Address: srv.Addr()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// newStore returns a store on srv under a prefix of its own. When t
// ends, it checks that every group tally GroupSummaries read added up:
// the write paths keep them, and recounting is for groups written
// before tallies existed.
func newStore(t testing.TB, srv *redistest.Server, prefix string, opts store.Options) *Store {
	t.Helper()
	s := New(newClient(t, srv), prefix, opts)
	t.Cleanup(func() {
		if n := s.Recounts(); n != 0 {
			t.Errorf("%d group tallies did not add up and were recounted", n)
		}
	})
	return s
}

func firing(fp string, groups ...incident.GroupRef) store.Observation {
	a := alert.Alert{
		Source:      alert.SourceAlertmanager,
		Name:        "HighErrorRate",
		Status:      alert.StatusFiring,
		Severity:    alert.SeverityCritical,
		Labels:      map[string]string{"service": "api", "fp": fp},
		Annotations: map[string]string{"summary": "5xx above 5%"},
		StartsAt:    t0,
		Fingerprint: alert.Fingerprint(fp),
	}
	a.Normalize()
	return store.Observation{Alert: a, RepeatInterval: 4 * time.Hour, Groups: groups}
}

func TestConformance(t *testing.T) {
	srv := redistest.Start(t)
	storetest.Run(t, func(t *testing.T, opts store.Options) store.Store {
		return newStore(t, srv, t.Name()+":", opts)
	})
}

// TestConformance_Partitioned runs the conformance suite on a store that
// splits its state over 7 partitions (hash tags), as on a Redis Cluster.
func TestConformance_Partitioned(t *testing.T) {
	srv := redistest.Start(t)
	partitioned := func(t *testing.T, opts store.Options) store.Store {
		opts.Partitions = 7
		return newStore(t, srv, t.Name()+":", opts)
	}
	t.Run("Core", func(t *testing.T) { storetest.Run(t, partitioned) })
	t.Run("State", func(t *testing.T) { storetest.RunState(t, partitioned) })
	t.Run("Correlation", func(t *testing.T) { storetest.RunCorrelation(t, partitioned) })
}

func TestConformanceState(t *testing.T) {
	srv := redistest.Start(t)
	storetest.RunState(t, func(t *testing.T, opts store.Options) store.Store {
		return newStore(t, srv, t.Name()+":", opts)
	})
}

func TestConformanceCorrelation(t *testing.T) {
	srv := redistest.Start(t)
	storetest.RunCorrelation(t, func(t *testing.T, opts store.Options) store.Store {
		return newStore(t, srv, t.Name()+":", opts)
	})
}

func TestMultiReplica_FourThousandCallsGiveExactlyOneThousandNotifies(t *testing.T) {
	srv := redistest.Start(t)
	replicas := []*Store{newStore(t, srv, "ha:", testOptions), newStore(t, srv, "ha:", testOptions)}
	type call struct {
		s  *Store
		fp string
	}
	var calls []call
	for i := range 1000 {
		for _, s := range replicas {
			for range 2 {
				calls = append(calls, call{s, fmt.Sprintf("fp-%04d", i)})
			}
		}
	}
	rand.Shuffle(len(calls), func(i, j int) { calls[i], calls[j] = calls[j], calls[i] })

	jobs := make(chan call)
	var mu sync.Mutex
	notified := map[string]int{}
	var wg sync.WaitGroup
	for range 64 {
		wg.Go(func() {
			for c := range jobs {
				v, err := c.s.Observe(t.Context(), t0, []store.Observation{firing(c.fp, team)})
				if err != nil {
					t.Error(err)
					continue
				}
				if v[0].Action == dedup.Notify {
					mu.Lock()
					notified[c.fp]++
					mu.Unlock()
				}
			}
		})
	}
	for _, c := range calls {
		jobs <- c
	}
	close(jobs)
	wg.Wait()

	total := 0
	for fp, n := range notified {
		total += n
		if n != 1 {
			t.Errorf("%s notified %d times", fp, n)
		}
	}
	if len(calls) != 4000 || total != 1000 {
		t.Errorf("%d calls gave %d notifies, want 4000 calls and 1000 notifies", len(calls), total)
	}
}

// warmUp runs every script once, and a pipeline (go-redis dials
// pipelines their own connections), so the round trips measured
// afterwards include neither the one-time NOSCRIPT fallback nor a
// connection handshake.
func warmUp(t testing.TB, s *Store) {
	t.Helper()
	ctx := t.Context()
	_, _ = s.Inhibitors(ctx, []string{"warm-up"})
	_, _ = s.Observe(ctx, t0, []store.Observation{firing("warm-up")})
	_, _ = s.Settle(ctx, t0)
	_, _ = s.ClaimGroups(ctx, t0.Add(-time.Hour), 1)
	_ = s.CompleteFlush(ctx, t0, incident.Flush{Group: incident.GroupRef{Key: "none"}}, nil)
}

func TestObserve_BatchIsOneRoundTrip(t *testing.T) {
	srv := redistest.Start(t)
	s := newStore(t, srv, "rt:", testOptions)
	warmUp(t, s)
	trips := func(f func()) uint64 {
		before := s.RoundTrips()
		f()
		return s.RoundTrips() - before
	}
	for _, n := range []int{1, 10, 200} {
		obs := make([]store.Observation, n)
		for i := range obs {
			obs[i] = firing(fmt.Sprintf("batch%d-%d", n, i), team)
			obs[i].Inhibits = []string{"0/cluster=c1", fmt.Sprintf("1/node=n%d", i)}
		}
		if got := trips(func() {
			if _, err := s.Observe(t.Context(), t0, obs); err != nil {
				t.Fatal(err)
			}
		}); got != 1 {
			t.Errorf("Observe of %d alerts took %d round trips, want 1", n, got)
		}
	}
	if got := trips(func() {
		held, err := s.Inhibitors(t.Context(), []string{"0/cluster=c1", "1/node=n0", "1/node=n200"})
		if err != nil || len(held["0/cluster=c1"]) != 211 || len(held["1/node=n0"]) != 3 || len(held["1/node=n200"]) != 0 {
			t.Fatalf("Inhibitors = %d, %d, %d holders, %v; want 211, 3, 0",
				len(held["0/cluster=c1"]), len(held["1/node=n0"]), len(held["1/node=n200"]), err)
		}
	}); got != 1 {
		t.Errorf("Inhibitors took %d round trips, want 1", got)
	}
	var flushes []incident.Flush
	if got := trips(func() {
		var err error
		if flushes, err = s.ClaimGroups(t.Context(), t0.Add(team.Wait), 10); err != nil || len(flushes) != 1 {
			t.Fatalf("ClaimGroups = %d groups, %v", len(flushes), err)
		}
	}); got != 2 {
		t.Errorf("ClaimGroups took %d round trips, want 2 (the claim, then its groups' members)", got)
	}
	if len(flushes[0].Members) != 211 {
		t.Errorf("flush has %d members, want 211", len(flushes[0].Members))
	}
	if got := trips(func() {
		if err := s.CompleteFlush(t.Context(), t0.Add(team.Wait), flushes[0], [][]byte{[]byte("a"), []byte("b")}); err != nil {
			t.Fatal(err)
		}
	}); got != 1 {
		t.Errorf("CompleteFlush took %d round trips, want 1", got)
	}
}

func TestStore_RecoversAfterRedisRestart(t *testing.T) {
	srv := redistest.Start(t)
	// The pool is larger than the dials that fail while Redis is down
	// (each command tries a few times), so go-redis's dial circuit
	// breaker, which closes again only after a second of real time,
	// stays closed: recovery then takes attempts, not time.
	c, err := NewClient(Config{Address: srv.Addr(), PoolSize: 100, DialTimeout: 200 * time.Millisecond,
		ReadTimeout: 200 * time.Millisecond, WriteTimeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	s := New(c, "restart:", testOptions)
	t.Cleanup(func() { _ = s.Close() })
	observe := func(fp string) error {
		_, err := s.Observe(t.Context(), t0, []store.Observation{firing(fp, team)})
		return err
	}
	if err := observe("before"); err != nil {
		t.Fatalf("Observe before the restart: %v", err)
	}

	srv.Stop()
	if err := observe("down"); err == nil {
		t.Fatal("Observe succeeded with Redis down")
	} else if !strings.HasPrefix(err.Error(), "redis observe:") {
		t.Errorf("error %q lacks context", err)
	}
	if err := s.Ping(t.Context()); err == nil {
		t.Error("Ping succeeded with Redis down")
	}

	srv.Restart() // returns once the new server answers PING
	// An attempt may still meet a connection to the old server and drop
	// it; a few attempts see a fresh one.
	const attempts = 5
	err = observe("after")
	for i := 1; err != nil && i < attempts; i++ {
		err = observe("after")
	}
	if err != nil {
		t.Fatalf("Observe after the restart, %d attempts: %v", attempts, err)
	}
	if err := s.Ping(t.Context()); err != nil {
		t.Errorf("Ping after the restart: %v", err)
	}
}

func TestKeys_AllHaveTTL(t *testing.T) {
	srv := redistest.Start(t)
	opts := testOptions
	opts.IncidentRetention = 48 * time.Hour
	s := newStore(t, srv, "ttl:", opts)
	ctx := t.Context()
	exercise(t, s)

	var keys []string
	iter := s.client.Scan(ctx, 0, "ttl:*", 100).Iterator()
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	if err := iter.Err(); err != nil {
		t.Fatal(err)
	}
	// Incidents and what belongs to them are kept for the incident
	// retention period; silences until the last has been expired for
	// store.SilenceRetention (exercise's lasts 2h).
	maxTTL := map[string]time.Duration{
		"thread": opts.IncidentRetention, "seq": opts.IncidentRetention, "incident": opts.IncidentRetention,
		"timeline": opts.IncidentRetention, "incidents": opts.IncidentRetention, "counters": opts.IncidentRetention,
		"silences": store.SilenceRetention + 2*time.Hour,
		// A member's pointer outlives a refresh period (correlate.lua).
		"corrfp": opts.Retention + s.pointerRefresh(),
	}
	kinds := map[string]bool{}
	for _, k := range keys {
		ttl, err := s.client.PTTL(ctx, k).Result()
		if err != nil {
			t.Fatal(err)
		}
		kind, _, _ := strings.Cut(strings.TrimPrefix(k, "ttl:{ag}:"), ":")
		if kind == "outbox" {
			kind = strings.TrimPrefix(k, "ttl:{ag}:")
		}
		kinds[kind] = true
		limit := cmp.Or(maxTTL[kind], opts.Retention)
		if ttl <= 0 || ttl > limit {
			t.Errorf("key %s has TTL %s, want (0, %s]", k, ttl, limit)
		}
	}
	for _, want := range []string{"alert", "flapping", "group", "members", "groups", "outbox", "outbox:retry", "outbox:dead",
		"inhibit", "silences", "timers", "timer", "thread", "seq", "incident", "timeline", "incidents", "counters",
		"corrsvc", "corr", "corrmembers", "corrfp"} {
		if !kinds[want] {
			t.Errorf("no %s key after the sequence; keys: %v", want, keys)
		}
	}
}

// exercise runs a realistic sequence through s: alerts that notify, one
// that flaps and one that holds an inhibition key, a flush, outbox
// entries that are acknowledged, retried and dead-lettered, a silence,
// escalation timers (one fired), an incident with its thread, timeline
// and counters, and a correlated incident one of whose alerts resolved.
func exercise(t *testing.T, s *Store) {
	t.Helper()
	now := exerciseGroups(t, s)
	exerciseOutbox(t, s, now)
	exerciseState(t, s, now)
	exerciseCorrelation(t, s, now)
}

func exerciseGroups(t *testing.T, s *Store) time.Time {
	t.Helper()
	ctx := t.Context()
	now := t0
	for i := range 5 {
		o := firing("flappy", team)
		o.Alert.StartsAt = now
		if i%2 == 1 {
			o.Alert.Status, o.Alert.EndsAt = alert.StatusResolved, now
		}
		if _, err := s.Observe(ctx, now, []store.Observation{o, firing(fmt.Sprintf("a%d", i), team)}); err != nil {
			t.Fatal(err)
		}
		now = now.Add(time.Minute)
	}
	other := team
	other.Key = "g-other"
	b := firing("b", other)
	b.Inhibits = []string{"0/service=api"}
	if _, err := s.Observe(ctx, now, []store.Observation{b}); err != nil {
		t.Fatal(err)
	}
	return now.Add(team.Wait)
}

func exerciseOutbox(t *testing.T, s *Store, now time.Time) {
	t.Helper()
	ctx := t.Context()
	flushes, err := s.ClaimGroups(ctx, now, 1)
	if err != nil || len(flushes) != 1 {
		t.Fatalf("ClaimGroups = %v, %v", flushes, err)
	}
	if err := s.CompleteFlush(ctx, now, flushes[0], [][]byte{[]byte("n1"), []byte("n2"), []byte("n3")}); err != nil {
		t.Fatal(err)
	}
	entries, err := s.ClaimOutbox(ctx, now, "c", 3, 0)
	if err != nil || len(entries) != 3 {
		t.Fatalf("ClaimOutbox = %v, %v", entries, err)
	}
	if err := s.Ack(ctx, entries[0].ID); err != nil {
		t.Fatal(err)
	}
	if err := s.Retry(ctx, entries[1], now.Add(time.Hour), "HTTP 503"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeadLetter(ctx, now, entries[2], "HTTP 400"); err != nil {
		t.Fatal(err)
	}
}

func exerciseState(t *testing.T, s *Store, now time.Time) {
	t.Helper()
	ctx := t.Context()
	id := incident.ID(team.Key, t0)
	for _, err := range []error{
		s.SetSilence(ctx, incident.Silence{ID: "s1", Matchers: []string{`service="api"`}, StartsAt: now, EndsAt: now.Add(2 * time.Hour), CreatedAt: now}),
		s.ScheduleTimer(ctx, store.Timer{Group: team.Key, Receiver: "oncall", At: now}),
		s.ScheduleTimer(ctx, store.Timer{Group: team.Key, Receiver: "manager", At: now.Add(time.Hour)}),
		s.SetThread(ctx, t0, id, "slack:team", incident.Thread{Ref: "C1/1.2", Seq: 1}),
		s.RecordIncident(ctx, incident.Incident{ID: id, Group: team.Key, Opened: t0, Status: incident.StatusOpen},
			incident.Event{At: t0, Type: incident.EventDetected, Fingerprint: "a0"}),
		s.Count(ctx, incident.Day(now), incident.Counters{"received:alertmanager": 7}),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	if ok, err := s.Advance(ctx, t0, id, "pagerduty:oncall", 1); !ok || err != nil {
		t.Fatalf("Advance = %v, %v", ok, err)
	}
	if _, err := s.Silences(ctx, now); err != nil {
		t.Fatal(err)
	}
	timers, err := s.ClaimTimers(ctx, now, 10)
	if err != nil || len(timers) != 1 {
		t.Fatalf("ClaimTimers = %v, %v", timers, err)
	}
	if err := s.CompleteTimer(ctx, now, timers[0], [][]byte{[]byte("page")}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Incidents(ctx, now, t0, 10); err != nil {
		t.Fatal(err)
	}
}

func exerciseCorrelation(t *testing.T, s *Store, now time.Time) {
	t.Helper()
	p := incident.CorrelationPolicy{Window: 5 * time.Minute, Cooldown: 5 * time.Minute, MaxMembers: 10}
	for _, reqs := range [][]store.CorrelateRequest{
		{{Fingerprint: "a0", Firing: true, Service: "api"}, {Fingerprint: "a1", Firing: true, Service: "api"}},
		{{Fingerprint: "a1", Service: "api"}},
	} {
		if _, err := s.Correlate(t.Context(), now, p, reqs); err != nil {
			t.Fatal(err)
		}
	}
}

func TestOutbox_DeadConsumerEntriesAreReclaimed(t *testing.T) {
	srv := redistest.Start(t)
	dead, live := newStore(t, srv, "reclaim:", testOptions), newStore(t, srv, "reclaim:", testOptions)
	ctx := t.Context()
	var payloads [][]byte
	for i := range 10 {
		payloads = append(payloads, fmt.Appendf(nil, "n%d", i))
	}
	if err := dead.Enqueue(ctx, t0, payloads...); err != nil {
		t.Fatal(err)
	}
	held, err := dead.ClaimOutbox(ctx, t0, "replica-a", 4, 0)
	if err != nil || len(held) != 4 {
		t.Fatalf("replica a claimed %d, %v", len(held), err)
	}
	// replica-a dies holding n0..n3.
	got := claimAll(t, live, "replica-b")
	if p := names(got); p != "n4 n5 n6 n7 n8 n9" {
		t.Fatalf("replica b got %s before the reclaim timeout, want n4..n9", p)
	}
	ack(t, live, got)
	age(t, dead, "replica-a", testOptions.ReclaimAfter-time.Minute, held)
	if got := claimAll(t, live, "replica-b"); len(got) != 0 {
		t.Fatalf("replica b reclaimed %s a minute before the reclaim timeout", names(got))
	}
	age(t, dead, "replica-a", testOptions.ReclaimAfter, held)
	got = claimAll(t, live, "replica-b")
	if p := names(got); p != "n0 n1 n2 n3" {
		t.Fatalf("replica b reclaimed %s, want n0..n3", p)
	}
	ack(t, live, got)
	if d, err := live.OutboxDepth(ctx); err != nil || d != 0 {
		t.Errorf("depth = %d, %v; want 0", d, err)
	}
}

func TestOutbox_ConcurrentConsumersDeliverEachEntryOnce(t *testing.T) {
	srv := redistest.Start(t)
	opts := testOptions
	opts.ReclaimAfter = time.Minute
	replicas := []*Store{newStore(t, srv, "once:", opts), newStore(t, srv, "once:", opts)}
	ctx := t.Context()
	const n = 500
	for i := range n {
		if err := replicas[i%2].Enqueue(ctx, t0, fmt.Appendf(nil, "n%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	var delivered sync.Map
	var count, dup atomic.Int64
	var wg sync.WaitGroup
	for i := range 8 {
		s := replicas[i%2]
		wg.Go(func() {
			consumer := fmt.Sprintf("c%d", i)
			for count.Load() < n {
				es, err := s.ClaimOutbox(ctx, t0, consumer, 7, 10*time.Millisecond)
				if err != nil {
					t.Error(err)
					return
				}
				for _, e := range es {
					if _, loaded := delivered.LoadOrStore(string(e.Payload), true); loaded {
						dup.Add(1)
					}
					count.Add(1)
					if err := s.Ack(ctx, e.ID); err != nil {
						t.Error(err)
					}
				}
			}
		})
	}
	wg.Wait()
	if count.Load() != n || dup.Load() != 0 {
		t.Errorf("delivered %d with %d duplicates, want %d and none", count.Load(), dup.Load(), n)
	}
}

func TestOutbox_WaitReturnsOnEnqueue(t *testing.T) {
	srv := redistest.Start(t)
	s := newStore(t, srv, "wait:", testOptions)
	ctx := t.Context()
	type claim struct {
		got []notify.Entry
		err error
	}
	claimAsync := func(wait time.Duration) <-chan claim {
		done := make(chan claim, 1)
		go func() {
			got, err := s.ClaimOutbox(ctx, t0, "c", 10, wait)
			done <- claim{got, err}
		}()
		return done
	}

	// Enqueue once the claim waits in Redis. Should the entry not wake
	// it, the claim returns empty after a minute and the test fails.
	done := claimAsync(time.Minute)
	blockedClaim(t, s)
	if err := s.Enqueue(ctx, t0, []byte("late")); err != nil {
		t.Fatal(err)
	}
	if c := <-done; c.err != nil || len(c.got) != 1 || string(c.got[0].Payload) != "late" {
		t.Fatalf("ClaimOutbox = %v, %v; want the late entry", c.got, c.err)
	}

	// On an empty outbox the claim waits in Redis; when the wait times
	// out (CLIENT UNBLOCK ... TIMEOUT times it out now) it returns
	// nothing.
	done = claimAsync(time.Hour)
	id := blockedClaim(t, s)
	if err := s.client.Do(ctx, "CLIENT", "UNBLOCK", id, "TIMEOUT").Err(); err != nil {
		t.Fatal(err)
	}
	if c := <-done; c.err != nil || len(c.got) != 0 {
		t.Errorf("ClaimOutbox on an empty outbox = %v, %v; want nothing", c.got, c.err)
	}
}

// blockedClaim polls Redis until a client waits in XREADGROUP, as a
// ClaimOutbox waiting for entries does, and returns its client ID. The
// bound on polls only turns a claim that never waits into a failure.
func blockedClaim(t *testing.T, s *Store) string {
	t.Helper()
	const polls = 100_000
	for range polls {
		list, err := s.client.ClientList(t.Context()).Result()
		if err != nil {
			t.Fatal(err)
		}
		for line := range strings.Lines(list) {
			f := map[string]string{}
			for kv := range strings.FieldsSeq(line) {
				k, v, _ := strings.Cut(kv, "=")
				f[k] = v
			}
			if f["cmd"] == "xreadgroup" && strings.Contains(f["flags"], "b") {
				return f["id"]
			}
		}
	}
	t.Fatalf("no client waited in XREADGROUP in %d polls of CLIENT LIST", polls)
	return ""
}

// age makes Redis count es as claimed by consumer for d: XCLAIM's IDLE
// sets the idle time the reclaim compares with ReclaimAfter, measured by
// the server's clock, which no test should wait for.
func age(t *testing.T, s *Store, consumer string, d time.Duration, es []notify.Entry) {
	t.Helper()
	args := []any{"XCLAIM", s.keys.outbox, consumerGroup, consumer, 0}
	for _, e := range es {
		args = append(args, e.ID)
	}
	args = append(args, "IDLE", d.Milliseconds(), "JUSTID")
	if err := s.client.Do(t.Context(), args...).Err(); err != nil {
		t.Fatal(err)
	}
}

func claimAll(t *testing.T, s *Store, consumer string) []notify.Entry {
	t.Helper()
	got, err := s.ClaimOutbox(t.Context(), t0, consumer, 100, 0)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func ack(t *testing.T, s *Store, es []notify.Entry) {
	t.Helper()
	for _, e := range es {
		if err := s.Ack(t.Context(), e.ID); err != nil {
			t.Fatal(err)
		}
	}
}

func names(es []notify.Entry) string {
	var p []string
	for _, e := range es {
		p = append(p, string(e.Payload))
	}
	return strings.Join(p, " ")
}

func TestOutbox_MissingConsumerGroupIsRecreated(t *testing.T) {
	srv := redistest.Start(t)
	s := newStore(t, srv, "nogroup:", testOptions)
	ctx := t.Context()
	if err := s.Enqueue(ctx, t0, []byte("x")); err != nil {
		t.Fatal(err)
	}
	if err := s.client.XGroupDestroy(ctx, s.keys.outbox, consumerGroup).Err(); err != nil {
		t.Fatal(err)
	}
	got, err := s.ClaimOutbox(ctx, t0, "c", 10, 0)
	if err != nil || names(got) != "x" {
		t.Fatalf("ClaimOutbox = %v, %v; want x", names(got), err)
	}
	if ttl := s.client.PTTL(ctx, s.keys.outbox).Val(); ttl <= 0 {
		t.Errorf("outbox TTL = %s after recreating the group", ttl)
	}
}

func TestOutbox_ReclaimLooksPastEntriesInFlight(t *testing.T) {
	srv := redistest.Start(t)
	s := newStore(t, srv, "scan:", testOptions)
	ctx := t.Context()
	var p [][]byte
	for i := range 40 {
		p = append(p, fmt.Appendf(nil, "n%d", i))
	}
	if err := s.Enqueue(ctx, t0, p...); err != nil {
		t.Fatal(err)
	}
	live, err := s.ClaimOutbox(ctx, t0, "live", 35, 0)
	if err != nil || len(live) != 35 {
		t.Fatalf("live claimed %d, %v", len(live), err)
	}
	dead, err := s.ClaimOutbox(ctx, t0, "dead", 5, 0)
	if err != nil || len(dead) != 5 {
		t.Fatalf("dead claimed %d, %v", len(dead), err)
	}
	// The dead consumer's entries are past the reclaim timeout; the live
	// consumer is still working on its 35 (older) entries.
	age(t, s, "dead", testOptions.ReclaimAfter, dead)
	got, err := s.ClaimOutbox(ctx, t0, "other", 1, 0)
	if err != nil || names(got) != "n35" {
		t.Errorf("reclaim with limit 1 = %q, %v; want n35, the dead consumer's oldest", names(got), err)
	}
}

// TestClaimGroups_LargeGroupsComeInSlices: Redis answers nobody else
// while a claim runs, so a claim stops once its groups hold claimMembers
// members (taking at least one group); claiming again gets the rest,
// each group exactly once.
func TestClaimGroups_LargeGroupsComeInSlices(t *testing.T) {
	srv := redistest.Start(t)
	s := newStore(t, srv, "slices:", store.Options{})
	const groups, size = 5, 300 // 3 groups fit claimMembers, 4 do not
	for i := 0; i < groups*size; i += 100 {
		batch := make([]store.Observation, 100)
		for j := range batch {
			o := realistic(i + j)
			o.Groups[0].Key = fmt.Sprintf("g%d", (i+j)%groups)
			batch[j] = o
		}
		if _, err := s.Observe(t.Context(), t0, batch); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[string]bool{}
	var sizes []int
	for range groups + 1 {
		fl, err := s.ClaimGroups(t.Context(), t0.Add(time.Minute), 64)
		if err != nil {
			t.Fatal(err)
		}
		if len(fl) == 0 {
			break
		}
		members := 0
		for _, f := range fl {
			if seen[f.Group.Key] {
				t.Errorf("group %s claimed twice", f.Group.Key)
			}
			seen[f.Group.Key] = true
			members += len(f.Members)
		}
		sizes = append(sizes, len(fl))
		if len(fl) > 1 && members > claimMembers {
			t.Errorf("one claim carried %d members in %d groups; budget %d", members, len(fl), claimMembers)
		}
	}
	if len(seen) != groups || len(sizes) != 2 || sizes[0] != 3 {
		t.Errorf("claims took %v groups (%d distinct); want [3 2]", sizes, len(seen))
	}
}
