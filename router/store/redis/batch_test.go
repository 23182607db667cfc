package redis

import (
	"context"
	"fmt"
	"maps"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/incident"
	"github.com/alertgate/alertgate/router/dedup"
	"github.com/alertgate/alertgate/router/store"
	"github.com/alertgate/alertgate/router/store/redis/redistest"
)

// TestObserve_ConcurrentCallsShareRoundTrips: HA twins observed by many
// concurrent calls of two replicas are decided as if one after the
// other (each alert notifies exactly once), and the calls share script
// calls: fewer round trips than calls.
func TestObserve_ConcurrentCallsShareRoundTrips(t *testing.T) {
	srv := redistest.Start(t)
	replicas := []*Store{newStore(t, srv, "group-commit:", testOptions), newStore(t, srv, "group-commit:", testOptions)}
	for _, s := range replicas {
		warmUp(t, s)
	}
	before := replicas[0].RoundTrips() + replicas[1].RoundTrips()
	const alerts, twins = 200, 4
	var mu sync.Mutex
	notified := map[string]int{}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range alerts * twins {
		s := replicas[i%2]
		wg.Go(func() {
			<-start
			fp := fmt.Sprintf("twin-%03d", i%alerts)
			v, err := s.Observe(t.Context(), t0.Add(time.Duration(i%7)*time.Millisecond), []store.Observation{firing(fp, team)})
			if err != nil || len(v) != 1 {
				t.Errorf("Observe(%s) = %v, %v", fp, v, err)
				return
			}
			if v[0].Fingerprint != alert.Fingerprint(fp) {
				t.Errorf("Observe(%s) answered for %s", fp, v[0].Fingerprint)
			}
			if v[0].Action == dedup.Notify {
				mu.Lock()
				notified[fp]++
				mu.Unlock()
			}
		})
	}
	close(start)
	wg.Wait()
	for i := range alerts {
		if fp := fmt.Sprintf("twin-%03d", i); notified[fp] != 1 {
			t.Errorf("%s notified %d times, want once", fp, notified[fp])
		}
	}
	trips := replicas[0].RoundTrips() + replicas[1].RoundTrips() - before
	t.Logf("%d concurrent calls took %d round trips", alerts*twins, trips)
	if trips >= alerts*twins {
		t.Errorf("%d calls took %d round trips: no call shared one", alerts*twins, trips)
	}
}

// TestBatcher_AnAbandonedCallDoesNotStallTheQueue: a caller whose
// context ends while it waits — even just as it is made the one to send
// the next batch — leaves, and every other call still gets its answer.
func TestBatcher_AnAbandonedCallDoesNotStallTheQueue(t *testing.T) {
	release := make(chan struct{})
	var mu sync.Mutex
	var sent []int
	b := &batcher[int, int]{
		run: func(_ context.Context, reqs []int) ([]int, error) {
			<-release
			mu.Lock()
			sent = append(sent, reqs...)
			mu.Unlock()
			out := make([]int, len(reqs))
			for i, r := range reqs {
				out[i] = r * 10
			}
			return out, nil
		},
		size:      func(int) int { return 1 },
		maxSize:   3,
		maxFlying: 1,
	}
	var wg sync.WaitGroup
	results := make([]int, 20)
	errs := make([]error, 20)
	for i := range results {
		ctx := t.Context()
		if i%3 == 1 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithCancel(ctx)
			cancel()
		}
		wg.Go(func() { results[i], errs[i] = b.do(ctx, i) })
	}
	close(release)
	wg.Wait()
	for i := range results {
		if errs[i] == nil && results[i] != i*10 {
			t.Errorf("call %d answered %d, want %d", i, results[i], i*10)
		}
		if errs[i] != nil && i%3 != 1 {
			t.Errorf("call %d failed: %v", i, errs[i])
		}
	}
	if b.flying != 0 || len(b.queue) != 0 {
		t.Errorf("after every call: %d batches flying, %d calls queued; want none", b.flying, len(b.queue))
	}
}

// TestSameRef_ComparesEveryField changes each field of a GroupRef in
// turn: sameRef must tell every change, or a batch would send two
// different groups as one.
func TestSameRef_ComparesEveryField(t *testing.T) {
	base := incident.GroupRef{Key: "k", Route: "r", Receiver: "team", Labels: map[string]string{"a": "b"}, Wait: time.Second, Interval: time.Minute}
	if !sameRef(base, base) {
		t.Fatal("a ref differs from itself")
	}
	v := reflect.ValueOf(&base).Elem()
	for i := range v.NumField() {
		changed := base
		changed.Labels = maps.Clone(base.Labels)
		f := reflect.ValueOf(&changed).Elem().Field(i)
		switch f.Kind() {
		case reflect.String:
			f.SetString(f.String() + "'")
		case reflect.Int64:
			f.SetInt(f.Int() + 1)
		case reflect.Map:
			changed.Labels["a"] = "c"
		default:
			t.Fatalf("GroupRef.%s is a %s: teach sameRef and this test to compare it", v.Type().Field(i).Name, f.Kind())
		}
		if sameRef(base, changed) {
			t.Errorf("sameRef misses a change of GroupRef.%s", v.Type().Field(i).Name)
		}
	}
}

// TestCall_ConcurrentCallsShareRoundTripsAndKeepTheirOwnErrors: the
// store's other script calls, made concurrently, share pipelines, and
// one call's failure is its own: its neighbours in the pipeline succeed.
func TestCall_ConcurrentCallsShareRoundTripsAndKeepTheirOwnErrors(t *testing.T) {
	srv := redistest.Start(t)
	s := newStore(t, srv, "caller:", testOptions)
	ctx := t.Context()
	if err := s.Index(ctx, t0, []string{"warm-up"}, "x", time.Minute); err != nil {
		t.Fatal(err)
	}
	before := s.RoundTrips()
	const calls = 300
	errs := make([]error, calls)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range calls {
		wg.Go(func() {
			<-start
			if i == calls/2 {
				// Not a number where index.lua reads the time: a script error.
				errs[i] = s.call(ctx, s.scripts.index, []string{s.keys.index("bad")}, s.keys.base, "now", "later", "e", "bad").Err()
				return
			}
			errs[i] = s.Index(ctx, t0, []string{fmt.Sprintf("k%03d", i)}, fmt.Sprintf("e%03d", i), time.Minute)
		})
	}
	close(start)
	wg.Wait()
	trips := s.RoundTrips() - before
	t.Logf("%d concurrent calls took %d round trips", calls, trips)
	if trips >= calls {
		t.Errorf("%d calls took %d round trips: no call shared one", calls, trips)
	}
	for i, err := range errs {
		if (err != nil) != (i == calls/2) {
			t.Errorf("call %d: err = %v", i, err)
		}
	}
	var keys []string
	for i := range calls {
		if i != calls/2 {
			keys = append(keys, fmt.Sprintf("k%03d", i))
		}
	}
	got, err := s.Indexed(ctx, t0, keys)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if want := "e" + k[1:]; !reflect.DeepEqual(got[k], []string{want}) {
			t.Errorf("index %s = %q, want [%s]", k, got[k], want)
		}
	}
}
