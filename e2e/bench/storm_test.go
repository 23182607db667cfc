package main

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	goredis "github.com/redis/go-redis/v9"

	"github.com/alertgate/alertgate/config"
	"github.com/alertgate/alertgate/router"
	"github.com/alertgate/alertgate/router/pipeline"
	"github.com/alertgate/alertgate/router/store"
	"github.com/alertgate/alertgate/router/store/memory"
	"github.com/alertgate/alertgate/router/store/redis"
	"github.com/alertgate/alertgate/router/store/redis/redistest"
)

// BenchmarkStorm is the whole path of a storm on the memory and Redis
// stores, in process: storm requests through the webhook handler of a router with
// the example configuration, by concurrent senders (16 for requests of
// one alert, 4 for requests of 100), then the first flush of every group
// they opened (Engine.Step once group_wait has passed) and the delivery
// of its notifications (a dry run). By day every group notifies; by
// night warnings wait for the morning (the noise policy). It reports the
// CPU time of this process and of redis-server per alert, and Redis
// round trips per request, flushes included: what `make bench` measures
// of the running server, without the network and the load generator.
//
//	go test -run '^$' -bench Storm -benchtime 50000x ./e2e/bench
//
// (b.N counts alerts: at most the 100,000 of the storm).
func BenchmarkStorm(b *testing.B) {
	cfg, err := config.LoadFile(filepath.Join("..", "..", "config", "alertgate.yml"), func(string) (string, bool) { return "", false })
	if err != nil {
		b.Fatal(err)
	}
	cfg.Sources.Alertmanager.RateLimit = &config.RateLimit{}
	cfg.Enrich.RunbooksDir = ""
	srv := redistest.Start(b)
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		b.Fatal(err)
	}
	clocks := map[string]time.Time{
		"day":   time.Date(2026, 1, 13, 11, 0, 0, 0, tokyo), // a Tuesday, in business hours
		"night": time.Date(2026, 1, 13, 3, 0, 0, 0, tokyo),
	}
	storm := defaultStorm
	storm.instances, storm.services = 2000, 20 // 1,000 groups of 100 alerts
	for _, backend := range []string{"memory", "redis"} {
		for _, batch := range []int{1, 100} {
			bodies, _ := storm.bodies(batch, 1, false)
			for _, when := range []string{"day", "night"} {
				b.Run(fmt.Sprintf("%s/batch%d/%s", backend, batch, when), func(b *testing.B) {
					stormRun(b, cfg, srv, backend, batch, bodies, clocks[when])
				})
			}
		}
	}
}

// stormRun is one run of BenchmarkStorm.
func stormRun(b *testing.B, cfg *config.Config, srv *redistest.Server, backend string, batch int, bodies [][]byte, start time.Time) {
	// b.N counts alerts.
	requests := (b.N + batch - 1) / batch
	if requests > len(bodies) {
		b.Fatalf("at most %d alerts (-benchtime %dx)", len(bodies)*batch, len(bodies)*batch)
	}
	client := goredis.NewClient(&goredis.Options{Addr: srv.Addr()})
	b.Cleanup(func() { _ = client.Close() })
	if err := client.FlushAll(b.Context()).Err(); err != nil {
		b.Fatal(err)
	}
	var st store.Store = memory.New(pipeline.StoreOptions(cfg))
	var rs *redis.Store
	if backend == "redis" {
		rc, err := redis.NewClient(redis.Config{Address: srv.Addr()})
		if err != nil {
			b.Fatal(err)
		}
		rs = redis.New(rc, "", pipeline.StoreOptions(cfg))
		st = rs
	}
	b.Cleanup(func() { _ = st.Close() })
	var clock atomic.Int64
	clock.Store(start.UnixNano())
	now := func() time.Time { return time.Unix(0, clock.Load()) }
	reg := prometheus.NewRegistry()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	engine, err := pipeline.New(cfg, pipeline.Options{Store: st, Registerer: reg, Logger: log, Now: now})
	if err != nil {
		b.Fatal(err)
	}
	rt, err := router.New(router.Options{Config: cfg, Engine: engine, Store: st, Registry: reg, Logger: log, Now: now})
	if err != nil {
		b.Fatal(err)
	}
	h := rt.Handler()
	conns := 16
	if batch > 1 {
		conns = 4
	}
	_ = client.ConfigResetStat(b.Context())
	trips := func() uint64 {
		if rs == nil {
			return 0
		}
		return rs.RoundTrips()
	}
	trips0, redisCPU, ownCPU := trips(), redistest.CPUTime(b, client), processCPUTime()
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	for range conns {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= requests {
					return
				}
				req := httptest.NewRequest(http.MethodPost, "/api/v1/alerts/alertmanager", bytes.NewReader(bodies[i]))
				req.Header.Set("Authorization", "Bearer dev-alertmanager-token")
				w := httptest.NewRecorder()
				h.ServeHTTP(w, req)
				if w.Code != http.StatusOK {
					b.Errorf("status %d: %s", w.Code, w.Body)
					return
				}
			}
		})
	}
	wg.Wait()
	clock.Add(int64(groupWait + time.Second))
	if err := engine.Step(b.Context()); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	alerts := float64(requests * batch)
	if info, err := client.Info(b.Context(), "commandstats").Result(); err == nil && rs != nil {
		b.Logf("per request: %s", describeCommands(commandStats(info), requests))
	}
	b.ReportMetric(float64(trips()-trips0)/float64(requests), "trips/req")
	b.ReportMetric(float64((redistest.CPUTime(b, client)-redisCPU).Microseconds())/alerts, "redis-µs/alert")
	b.ReportMetric(float64((processCPUTime()-ownCPU).Microseconds())/alerts, "go-µs/alert")
	b.ReportMetric(sumMetric(gather(reg), "alertgate_notifications_total"), "notifications")
}

// gather renders the metrics of reg in the Prometheus text format.
func gather(reg *prometheus.Registry) []byte {
	w := httptest.NewRecorder()
	promhttp.HandlerFor(reg, promhttp.HandlerOpts{}).ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	return w.Body.Bytes()
}

// processCPUTime is the CPU time this process has used.
func processCPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
