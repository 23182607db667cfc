package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	_ "time/tzdata"

	"github.com/alertgate/alertgate/config"
	"github.com/alertgate/alertgate/router"
	"github.com/alertgate/alertgate/router/pipeline"
	"github.com/alertgate/alertgate/router/store"
	"github.com/alertgate/alertgate/router/store/memory"
)

// BenchmarkIngest is the server's ingest path in process, without the
// network: the webhook handler of a router on the memory store with the
// example configuration, cycling through the bench's alert pool (the
// re-send regime) or the storm's alerts (mostly new). The flusher does
// not run: a storm's first flushes are not in the figure. It is
// what to profile when `make bench` misses a target:
//
//	go test -run '^$' -bench Ingest -cpuprofile cpu.out ./e2e/bench
//	go tool pprof -top cpu.out
func BenchmarkIngest(b *testing.B) {
	cfg, err := config.LoadFile(filepath.Join("..", "..", "config", "alertgate.yml"), func(string) (string, bool) { return "", false })
	if err != nil {
		b.Fatal(err)
	}
	cfg.Sources.Alertmanager.RateLimit = &config.RateLimit{}
	cfg.Enrich.RunbooksDir = ""
	for _, run := range []struct {
		batch int
		storm bool
	}{{1, false}, {100, false}, {1, true}, {100, true}} {
		batch := run.batch
		name := "batch" + strconv.Itoa(batch)
		if run.storm {
			name = "storm/" + name
		}
		b.Run(name, func(b *testing.B) {
			st, reg := memory.New(store.Options{}), prometheus.NewRegistry()
			engine, err := pipeline.New(cfg, pipeline.Options{Store: st, Registerer: reg})
			if err != nil {
				b.Fatal(err)
			}
			rt, err := router.New(router.Options{Config: cfg, Engine: engine, Store: st, Registry: reg})
			if err != nil {
				b.Fatal(err)
			}
			h := rt.Handler()
			bodies := newPool(20000, false).webhooks(batch)
			if run.storm {
				storm := defaultStorm
				storm.instances = 2000 // 100,000 alerts: enough for a profile
				bodies, _ = storm.bodies(batch, 1, false)
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				req := httptest.NewRequest(http.MethodPost, "/api/v1/alerts/alertmanager", bytes.NewReader(bodies[i%len(bodies)]))
				req.Header.Set("Authorization", "Bearer dev-alertmanager-token")
				w := httptest.NewRecorder()
				h.ServeHTTP(w, req)
				if w.Code != http.StatusOK {
					b.Fatalf("status %d: %s", w.Code, w.Body)
				}
				i++
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*batch), "ns/alert")
		})
	}
}
