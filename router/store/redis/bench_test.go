package redis

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/incident"
	"github.com/alertgate/alertgate/router/store"
	"github.com/alertgate/alertgate/router/store/redis/redistest"
)

// realistic returns alert i as a Kubernetes alert from Alertmanager
// typically looks: 10 labels, 3 annotations, about 1 KB of JSON, in one
// of 100 groups (by service).
func realistic(i int) store.Observation {
	service := fmt.Sprintf("service-%02d", i%100)
	a := alert.Alert{
		Source:   alert.SourceAlertmanager,
		Name:     "KubePodCrashLooping",
		Status:   alert.StatusFiring,
		Severity: alert.SeverityWarning,
		Labels: map[string]string{
			"namespace": "payments-prod", "service": service, "cluster": "prod-ap-northeast-1",
			"pod": fmt.Sprintf("%s-7d9f8b6c5d-%05d", service, i), "container": "app",
			"job": "kube-state-metrics", "instance": fmt.Sprintf("10.42.%d.%d:8080", i/250%250, i%250),
		},
		Annotations: map[string]string{
			"summary":     fmt.Sprintf("Pod payments-prod/%s-%d is crash looping", service, i),
			"description": "Pod is restarting 2.5 times / 10 minutes. The container exits with code 137 shortly after start; check memory limits and the last logs of the previous container before restarting anything by hand.",
			"runbook_url": "https://runbooks.example.com/kubernetes/KubePodCrashLooping.md",
		},
		StartsAt:     t0,
		GeneratorURL: "https://prometheus.example.com/graph?g0.expr=max_over_time%28kube_pod_container_status_waiting_reason%7Breason%3D%22CrashLoopBackOff%22%7D%5B5m%5D%29+%3E%3D+1&g0.tab=1",
		SourceURL:    "https://alertmanager.example.com",
		Fingerprint:  alert.NewFingerprint(alert.SourceAlertmanager, strconv.Itoa(i)),
	}
	a.Normalize()
	g := incident.GroupRef{Key: "{}/0:{service=\"" + service + "\"}", Route: "{}/0", Receiver: "team-" + service,
		Labels: map[string]string{"service": service}, Wait: 30 * time.Second, Interval: 5 * time.Minute}
	return store.Observation{Alert: a, RepeatInterval: 4 * time.Hour, Groups: []incident.GroupRef{g}}
}

func TestRealisticAlert_IsAboutOneKilobyte(t *testing.T) {
	b, err := json.Marshal(realistic(1234).Alert)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(b); n < 900 || n > 1300 {
		t.Errorf("realistic alert is %d bytes of JSON, want about 1 KB", n)
	}
}

// TestMemory_PerTrackedAlert reports what Redis spends per alert it
// tracks: the alert's own hash, and its member record in a group (which
// holds a copy of the alert JSON, as the memory store's member does).
func TestMemory_PerTrackedAlert(t *testing.T) {
	if testing.Short() {
		t.Skip("observes 20,000 alerts")
	}
	srv := redistest.Start(t)
	s := newStore(t, srv, "mem:", store.Options{})
	warmUp(t, s)
	const n = 10000
	observe := func(first int, grouped bool) {
		for i := first; i < first+n; i += 200 {
			batch := make([]store.Observation, 200)
			for j := range batch {
				batch[j] = realistic(i + j)
				if !grouped {
					batch[j].Groups = nil
				}
			}
			if _, err := s.Observe(t.Context(), t0, batch); err != nil {
				t.Fatal(err)
			}
		}
	}
	m0 := usedMemory(t, s)
	observe(0, false)
	m1 := usedMemory(t, s)
	observe(n, true)
	m2 := usedMemory(t, s)
	alone, grouped := float64(m1-m0)/n, float64(m2-m1)/n
	t.Logf("Redis used_memory per tracked alert (~1 KB JSON): %.0f bytes without a group, %.0f bytes in one group", alone, grouped)
	if grouped > 8<<10 {
		t.Errorf("%.0f bytes per grouped alert; expected well under 8 KiB", grouped)
	}
}

func usedMemory(t *testing.T, s *Store) int64 {
	t.Helper()
	info, err := s.client.Info(t.Context(), "memory").Result()
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.SplitSeq(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "used_memory:"); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatal("INFO memory has no used_memory")
	return 0
}

// BenchmarkObserve observes batches drawn in turn from 10,000 realistic
// alerts: the first pass notifies and groups them, later passes are the
// duplicates that make up most of real traffic.
func BenchmarkObserve(b *testing.B) {
	srv := redistest.Start(b)
	pool := make([]store.Observation, 10000)
	for i := range pool {
		pool[i] = realistic(i)
	}
	for _, batch := range []int{1, 10, 100, 1000} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			s := newStore(b, srv, fmt.Sprintf("bench%d:", batch), store.Options{})
			warmUp(b, s) // the connection's handshake is not a decision's
			next := 0
			obs := make([]store.Observation, batch)
			trips := s.RoundTrips()
			start := time.Now()
			for b.Loop() {
				for j := range obs {
					obs[j] = pool[next]
					next = (next + 1) % len(pool)
				}
				if _, err := s.Observe(b.Context(), t0, obs); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*batch)/time.Since(start).Seconds(), "alerts/s")
			b.ReportMetric(float64(s.RoundTrips()-trips)/float64(b.N), "round-trips/op")
		})
	}
}

// BenchmarkOutbox enqueues, claims and acknowledges one notification per
// operation.
func BenchmarkOutbox(b *testing.B) {
	srv := redistest.Start(b)
	s := newStore(b, srv, "bench-outbox:", store.Options{})
	payload := []byte(strings.Repeat("x", 1024))
	ctx := b.Context()
	trips := s.RoundTrips()
	for b.Loop() {
		if err := s.Enqueue(ctx, t0, payload); err != nil {
			b.Fatal(err)
		}
		es, err := s.ClaimOutbox(ctx, t0, "bench", 1, 0)
		if err != nil || len(es) != 1 {
			b.Fatalf("ClaimOutbox = %d entries, %v", len(es), err)
		}
		if err := s.Ack(ctx, es[0].ID); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(s.RoundTrips()-trips)/float64(b.N), "round-trips/op")
}

// BenchmarkStorm is the store's part of a storm: alerts never seen
// before, in groups of 100, observed in requests of batch alerts (one
// group per request of 100, 16 concurrent callers for requests of one,
// so group commit takes part), each group then claimed and its flush
// completed with one 2 KB notification, as the flusher does once the
// group's wait has passed. It reports what each alert costs Redis (its
// CPU time, from INFO cpu) and this process (its CPU time), and the
// round trips, per alert.
func BenchmarkStorm(b *testing.B) {
	srv := redistest.Start(b)
	runs := 0
	for _, batch := range []int{1, 100} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			runs++ // each run starts from nothing
			s := newStore(b, srv, fmt.Sprintf("storm%d:", runs), store.Options{})
			warmUp(b, s)
			const groupSize = 100
			payload := []byte(strings.Repeat("x", 2048))
			var next atomic.Int64
			ctx := b.Context()
			trips, redisCPU, ownCPU := s.RoundTrips(), redistest.CPUTime(b, s.client), processCPUTime()
			b.SetParallelism(8) // 16 callers on 2 cores
			if batch > 1 {
				b.SetParallelism(1)
			}
			groups := 0
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := int(next.Add(int64(batch))) - batch
					obs := make([]store.Observation, batch)
					for j := range obs {
						obs[j] = stormAlert(i + j)
					}
					if _, err := s.Observe(ctx, t0, obs); err != nil {
						b.Error(err)
						return
					}
				}
			})
			n := int(next.Load())
			observed := redistest.CPUTime(b, s.client)
			for {
				due, err := s.ClaimGroups(ctx, t0.Add(time.Minute), 64)
				if err != nil {
					b.Fatal(err)
				}
				if len(due) == 0 {
					break
				}
				for _, f := range due {
					if err := s.CompleteFlush(ctx, t0.Add(time.Minute), f, [][]byte{payload}); err != nil {
						b.Fatal(err)
					}
					groups++
				}
			}
			if want := (n + groupSize - 1) / groupSize; groups != want {
				b.Errorf("flushed %d groups, want %d", groups, want)
			}
			b.ReportMetric(float64(s.RoundTrips()-trips)/float64(n), "round-trips/alert")
			b.ReportMetric(float64((redistest.CPUTime(b, s.client)-redisCPU).Microseconds())/float64(n), "redis-µs/alert")
			b.ReportMetric(float64((observed-redisCPU).Microseconds())/float64(n), "redis-observe-µs/alert")
			b.ReportMetric(float64((processCPUTime()-ownCPU).Microseconds())/float64(n), "go-µs/alert")
		})
	}
}

// stormAlert is the storm's alert i: realistic, never seen before, in
// group i/100.
func stormAlert(i int) store.Observation {
	o := realistic(i)
	service := fmt.Sprintf("svc-%05d", i/100)
	o.Alert.Labels["service"] = service
	o.Alert.Fingerprint = alert.NewFingerprint(alert.SourceAlertmanager, "storm-"+strconv.Itoa(i))
	g := &o.Groups[0]
	g.Key, g.Receiver, g.Labels = "{}/0:{service=\""+service+"\"}", "team", map[string]string{"service": service}
	return o
}

// processCPUTime is the CPU time this process has used.
func processCPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
