package redis

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/incident"
	"github.com/alertgate/alertgate/router/store"
	"github.com/alertgate/alertgate/router/store/memory"
	"github.com/alertgate/alertgate/router/store/redis/redistest"
)

var corrPolicy = incident.CorrelationPolicy{Window: 5 * time.Minute, Cooldown: 3 * time.Minute, MaxMembers: 200}

func TestCorrelate_ConcurrentReplicasOpenOneIncidentPerService(t *testing.T) {
	srv := redistest.Start(t)
	replicas := []*Store{newStore(t, srv, "corr:", testOptions), newStore(t, srv, "corr:", testOptions)}
	const alerts, services, workers = 200, 5, 8
	service := func(i int) string { return fmt.Sprintf("svc%d", i%services) }
	var mu sync.Mutex
	got := map[string][]incident.Correlation{} // by the alert's service
	var wg sync.WaitGroup
	for w := range workers {
		s := replicas[w%2]
		wg.Go(func() {
			for i := w; i < alerts; i += workers {
				req := store.CorrelateRequest{Fingerprint: alert.Fingerprint(fmt.Sprintf("fp-%03d", i)), Firing: true, Service: service(i)}
				c, err := s.Correlate(t.Context(), t0, corrPolicy, []store.CorrelateRequest{req})
				if err != nil || len(c) != 1 {
					t.Errorf("Correlate = %v, %v", c, err)
					return
				}
				mu.Lock()
				got[req.Service] = append(got[req.Service], c[0])
				mu.Unlock()
			}
		})
	}
	wg.Wait()

	s, ctx := replicas[0], t.Context()
	for i := range services {
		svc := service(i)
		keys, news := map[string]bool{}, 0
		for _, c := range got[svc] {
			keys[c.Key] = true
			if c.Reason == incident.JoinNew {
				news++
			}
		}
		if len(keys) != 1 || news != 1 || len(got[svc]) != alerts/services {
			t.Errorf("%s: %d alerts in %d incidents, %d opened; want %d in 1, opened once", svc, len(got[svc]), len(keys), news, alerts/services)
			continue
		}
		key := got[svc][0].Key
		if cur := s.client.Get(ctx, s.keys.corrService(svc)).Val(); cur != key {
			t.Errorf("%s's current incident is %q, want %s", svc, cur, key)
		}
		members := s.client.SMembers(ctx, s.keys.corrMembers(key)).Val()
		count := s.client.HGet(ctx, s.keys.corrIncident(key), "members").Val()
		if len(members) != alerts/services || count != fmt.Sprint(alerts/services) {
			t.Errorf("%s's incident has %d members (count %s), want %d", svc, len(members), count, alerts/services)
		}
		for _, fp := range members {
			if p := s.client.Get(ctx, s.keys.corrFP(fp)).Val(); p != key {
				t.Errorf("%s points to %q, want %s", fp, p, key)
			}
		}
	}
}

func TestCorrelate_BatchIsOneRoundTrip(t *testing.T) {
	srv := redistest.Start(t)
	s := newStore(t, srv, "corrrt:", testOptions)
	ctx := t.Context()
	warm := []store.CorrelateRequest{{Fingerprint: "warm-up", Firing: true, Service: "warm-up"}}
	if _, err := s.Correlate(ctx, t0, corrPolicy, warm); err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{1, 10, 200} {
		reqs := make([]store.CorrelateRequest, n)
		for i := range reqs {
			reqs[i] = store.CorrelateRequest{Fingerprint: alert.Fingerprint(fmt.Sprintf("batch%d-%d", n, i)),
				Firing: i%7 != 3, Service: fmt.Sprintf("svc%d", i%5), Dependents: []string{"svc0", "svc1"}}
		}
		before := s.RoundTrips()
		if _, err := s.Correlate(ctx, t0, corrPolicy, reqs); err != nil {
			t.Fatal(err)
		}
		if got := s.RoundTrips() - before; got != 1 {
			t.Errorf("Correlate of %d alerts took %d round trips, want 1", n, got)
		}
	}
}

// TestCorrelate_RandomBatchesDecideAsMemory runs the same random batches
// (firing and resolving alerts of services that depend on each other,
// small incidents that overflow, gaps beyond the window and the
// cool-down) through both stores and wants the same answers.
func TestCorrelate_RandomBatchesDecideAsMemory(t *testing.T) {
	srv := redistest.Start(t)
	red, mem := newStore(t, srv, "corrmem:", testOptions), memory.New(testOptions)
	ctx := t.Context()
	p := incident.CorrelationPolicy{Window: 5 * time.Minute, Cooldown: 3 * time.Minute, MaxMembers: 4}
	services := []string{"api", "web", "aurora", "cache"}
	dependents := map[string][]string{"aurora": {"api", "web"}, "cache": {"api"}}
	rng := rand.New(rand.NewPCG(1, 2))
	now, seen := t0, map[string]int{}
	for batch := range 500 {
		reqs := make([]store.CorrelateRequest, 1+rng.IntN(6))
		for i := range reqs {
			fp := rng.IntN(24)
			svc := services[fp%len(services)]
			reqs[i] = store.CorrelateRequest{Fingerprint: alert.Fingerprint(fmt.Sprintf("fp%02d", fp)),
				Firing: rng.IntN(10) < 6, Service: svc, Dependents: dependents[svc]}
		}
		got, err := red.Correlate(ctx, now, p, reqs)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := mem.Correlate(ctx, now, p, reqs)
		if !slices.Equal(got, want) {
			t.Fatalf("batch %d at %s: %+v\ngot  %+v\nwant %+v (memory's)", batch, now.Sub(t0), reqs, got, want)
		}
		for _, c := range got {
			seen[c.Reason]++
		}
		now = now.Add(time.Duration(rng.IntN(5)) * time.Minute)
	}
	for _, r := range []string{incident.JoinNew, incident.JoinSame, incident.JoinReopened, incident.JoinDependency + "api",
		incident.JoinDependency + "web", incident.JoinOverflow, incident.JoinMember} {
		if seen[r] == 0 {
			t.Errorf("no %q in the sequence (%v): it tests less than it says", r, seen)
		}
	}
}

// TestCorrelate_AJoinKeepsEveryMembersPointer: memory forgets an
// incident's pointers when its last join, not a member's own, is older
// than the retention period, so a join leaves every member's pointer and
// the service's alive for at least the retention period — without
// touching each of them on every join: a member's pointer lives a
// refresh period longer, and the members are refreshed once a period.
func TestCorrelate_AJoinKeepsEveryMembersPointer(t *testing.T) {
	srv := redistest.Start(t)
	s := newStore(t, srv, "corrttl:", testOptions)
	ctx := t.Context()
	correlate := func(fp string, at time.Time) {
		t.Helper()
		req := store.CorrelateRequest{Fingerprint: alert.Fingerprint(fp), Firing: true, Service: "api"}
		if _, err := s.Correlate(ctx, at, corrPolicy, []store.CorrelateRequest{req}); err != nil {
			t.Fatal(err)
		}
	}
	atLeast := func(k string, want time.Duration) {
		t.Helper()
		if ttl := s.client.PTTL(ctx, k).Val(); ttl < want-time.Minute {
			t.Errorf("%s has TTL %s, want at least %s", k, ttl, want)
		}
	}
	period := s.pointerRefresh()
	correlate("early", t0)
	atLeast(s.keys.corrFP("early"), testOptions.Retention+period)
	// Within the period a join leaves the pointers alone: they still
	// have more than the retention period to live.
	correlate("soon", t0.Add(period-time.Millisecond))
	atLeast(s.keys.corrFP("early"), testOptions.Retention)
	// Once the period is over, a join refreshes them, however close to
	// expiring they are.
	for _, k := range []string{s.keys.corrFP("early"), s.keys.corrService("api")} {
		if err := s.client.PExpire(ctx, k, time.Minute).Err(); err != nil {
			t.Fatal(err)
		}
	}
	correlate("late", t0.Add(period))
	atLeast(s.keys.corrFP("early"), testOptions.Retention+period)
	atLeast(s.keys.corrService("api"), testOptions.Retention)
}

// TestCorrelate_AJoinCostsTheSameHoweverLargeTheIncident: a join does
// not touch every member (a storm joins thousands of alerts to a few
// incidents).
func TestCorrelate_AJoinCostsTheSameHoweverLargeTheIncident(t *testing.T) {
	srv := redistest.Start(t)
	s := newStore(t, srv, "corrcost:", testOptions)
	ctx := t.Context()
	p := corrPolicy
	p.MaxMembers = 10000
	for i := range 1000 {
		req := store.CorrelateRequest{Fingerprint: alert.Fingerprint(fmt.Sprintf("fp%04d", i)), Firing: true, Service: "api"}
		if _, err := s.Correlate(ctx, t0.Add(time.Duration(i)*time.Millisecond), p, []store.CorrelateRequest{req}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.client.ConfigResetStat(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	req := store.CorrelateRequest{Fingerprint: "one-more", Firing: true, Service: "api"}
	if _, err := s.Correlate(ctx, t0.Add(time.Second), p, []store.CorrelateRequest{req}); err != nil {
		t.Fatal(err)
	}
	stats := s.client.Info(ctx, "commandstats").Val()
	if strings.Contains(stats, "cmdstat_pexpire:calls=") && !strings.Contains(stats, "cmdstat_pexpire:calls=1,") &&
		!strings.Contains(stats, "cmdstat_pexpire:calls=2,") && !strings.Contains(stats, "cmdstat_pexpire:calls=3,") {
		t.Errorf("the 1,001st join refreshed more than a few keys:\n%s", stats)
	}
}
