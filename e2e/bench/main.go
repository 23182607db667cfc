// Command bench measures alertgate as it runs: it builds the binary,
// serves the example configuration on the memory store and on a Redis it
// starts itself, drives it with Alertmanager webhooks (one alert per
// request and batches of 100, flat out and at a fixed rate) in two
// regimes — a storm of mostly new alerts, and the re-sends of known ones
// — and reports throughput, ingest latency, Redis round trips and
// commands per request, the CPU of the server and of Redis, memory, and
// the notifications produced. With --alertmanager(-bin) it drives the
// same alerts into a Prometheus Alertmanager (POST /api/v2/alerts), each
// load to Alertmanager, memory and Redis in turn, and shows every run's
// ratio to Alertmanager's. It ends with the noise figure of
// the storm day (e2e/storm) and writes everything to e2e/RESULTS.md.
//
//	go run ./e2e/bench [-duration 10s] [-runs memory] [-alertmanager URL | -alertmanager-bin PATH]
//
// (make bench runs it; make bench-am builds Alertmanager v0.35.0 with
// build-alertmanager.sh and passes -alertmanager-bin.) When a target is
// missed, profile the ingest path in process with BenchmarkIngest (see
// ingest_test.go) or the running server with perf.
//
// Run it from the module root (make bench does). Everything it starts
// listens on 127.0.0.1 and is stopped before it exits.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"
	_ "time/tzdata" // Asia/Tokyo for the noise figure

	"github.com/alertgate/alertgate/e2e/storm"
)

// options are the command-line settings.
type options struct {
	duration     time.Duration
	warmup       time.Duration
	poolSize     int
	rate         float64
	stormRate    float64
	storm        stormShape
	runs         string
	alertmanager string
	amBin        string
	redisServer  string
	results      string
	noise        bool
	keep         bool
	slowlog      bool
	bin          string
}

func main() {
	var o options
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "measured time of each run")
	flag.DurationVar(&o.warmup, "warmup", 2*time.Second, "unmeasured load before each run's measurement")
	flag.IntVar(&o.poolSize, "pool", 20000, "distinct alerts the load cycles through")
	flag.Float64Var(&o.rate, "rate", 5000, "alerts per second of the paced re-send runs")
	flag.Float64Var(&o.stormRate, "storm-rate", 4000, "alerts per second of the paced storm runs (one Alertmanager sustains on two cores)")
	flag.IntVar(&o.storm.names, "storm-names", defaultStorm.names, "alert names of the storm regime")
	flag.IntVar(&o.storm.instances, "storm-instances", defaultStorm.instances, "instances each storm alert name fires on")
	flag.IntVar(&o.storm.services, "storm-services", defaultStorm.services, "services the storm's instances spread over (groups: names × services)")
	flag.StringVar(&o.runs, "runs", "", "only the runs whose name contains this (memory, redis, storm, batch100, paced, ...)")
	flag.StringVar(&o.alertmanager, "alertmanager", "", "also drive the Alertmanager at this `URL` (POST /api/v2/alerts)")
	flag.StringVar(&o.amBin, "alertmanager-bin", "", "start this Alertmanager `binary` and drive it too")
	flag.StringVar(&o.redisServer, "redis-server", "redis-server", "redis-server `binary` for the Redis runs (skipped if absent)")
	flag.StringVar(&o.results, "results", "e2e/RESULTS.md", "write the results to this `file` (empty: don't)")
	flag.BoolVar(&o.noise, "noise", true, "replay the storm day for the noise figure")
	flag.BoolVar(&o.slowlog, "redis-slowlog", false, "profile Redis: log every command of each Redis run's window and print the time of each script")
	flag.BoolVar(&o.keep, "keep", false, "keep the temporary directory (binary, configs, server logs)")
	flag.StringVar(&o.bin, "bin", "", "measure this alertgate `binary` instead of building ./cmd/alertgate (to compare builds)")
	flag.Parse()
	if o.storm.names <= 0 || o.storm.services <= 0 || o.storm.instances < o.storm.services {
		fmt.Fprintln(os.Stderr, "bench: -storm-names and -storm-services must be positive and -storm-instances at least -storm-services")
		os.Exit(2)
	}
	if err := run(&o); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(o *options) error {
	if _, err := os.Stat("config/alertgate.yml"); err != nil {
		return fmt.Errorf("run from the module root (config/alertgate.yml: %w)", err)
	}
	dir, err := os.MkdirTemp("", "alertgate-bench-")
	if err != nil {
		return err
	}
	if o.keep {
		fmt.Println("keeping", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	rep := &report{machine: describeMachine(), started: time.Now(), opts: o}
	fmt.Print(rep.machine.String())
	bin := o.bin
	if bin == "" {
		bin = filepath.Join(dir, "alertgate")
		fmt.Println("building", bin)
		build := exec.Command("go", "build", "-trimpath", "-o", bin, "./cmd/alertgate")
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		build.Stdout, build.Stderr = os.Stdout, os.Stderr
		if err := build.Run(); err != nil {
			return fmt.Errorf("go build: %w", err)
		}
	}
	b := &bench{o: o, dir: dir, bin: bin, rep: rep}
	if err := b.runAll(); err != nil {
		return err
	}
	if o.noise {
		if rep.noise, err = noiseFigures(); err != nil {
			return err
		}
	}
	rep.finished = time.Now()
	rep.loadEnd = loadAverage()
	fmt.Println()
	fmt.Print(rep.String())
	if o.results != "" {
		old, _ := os.ReadFile(o.results)
		if err := os.WriteFile(o.results, []byte(rep.markdown()+keptSections(string(old))), 0o644); err != nil {
			return err
		}
		fmt.Println("wrote", o.results)
	}
	return nil
}

// benchSections are the sections of the results file the bench writes;
// it keeps the others (make soak's, and notes written by hand) as they
// were, after its own.
var benchSections = []string{"Machine", "Ingest", "Against the targets", "Noise of the storm day"}

// keptSections returns the "## " sections of a results file that the
// bench does not write.
func keptSections(text string) string {
	var out strings.Builder
	parts := strings.Split("\n"+text, "\n## ")
	for _, sec := range parts[1:] {
		title, _, _ := strings.Cut(sec, "\n")
		if slices.Contains(benchSections, strings.TrimSpace(title)) {
			continue
		}
		out.WriteString("\n## " + strings.TrimRight(sec, "\n") + "\n")
	}
	return out.String()
}

// noiseFigures replays the recorded storm day with correlation on and
// off.
func noiseFigures() ([]*storm.Noise, error) {
	records, err := storm.ReadTrace(filepath.Join("e2e", "testdata", storm.TraceFile))
	if err != nil {
		return nil, err
	}
	truth, err := storm.ReadTruth(filepath.Join("e2e", "testdata", storm.TruthFile))
	if err != nil {
		return nil, err
	}
	var out []*storm.Noise
	for _, on := range []bool{true, false} {
		cfg, err := storm.LoadConfig("config/alertgate.yml", on)
		if err != nil {
			return nil, err
		}
		n, err := storm.Measure(context.Background(), cfg, records, truth)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, nil
}

// scenario is one run of the suite.
type scenario struct {
	store string // memory or redis; empty for Alertmanager
	// storm sends mostly alerts never seen before (stormShape) instead of
	// cycling through the re-send pool.
	storm   bool
	batch   int
	rate    float64 // alerts per second; 0 is flat out
	catalog bool    // alerts of a catalog service (correlation takes part)
	// steady measures after the first flush of the groups the run opens
	// (group_wait after the first alert): the steady state of re-sends,
	// without the one-off cost of notifying a new storm.
	steady bool
	conns  int
}

func (s scenario) name() string {
	n := s.store
	if n == "" {
		n = "alertmanager"
	}
	if s.storm {
		n += "/storm"
	}
	n += fmt.Sprintf("/batch%d", s.batch)
	if s.rate > 0 {
		n += fmt.Sprintf("/paced%.0f", s.rate)
	} else {
		n += "/flat"
	}
	if s.catalog {
		n += "/correlated"
	}
	if s.steady {
		n += "/steady"
	}
	return n
}

// shapes lists the runs of the suite, each to be run against every
// target in turn (Alertmanager, alertgate on memory, alertgate on Redis),
// so that the runs compared with each other ran minutes apart, not a
// whole suite apart, on a machine whose other load varies.
func shapes(rate, stormRate float64) []scenario {
	return []scenario{
		{storm: true, batch: 1, conns: 16},
		{storm: true, batch: 100, conns: 4},
		{storm: true, batch: 1, rate: stormRate, conns: 32},
		{batch: 1, conns: 16},
		{batch: 100, conns: 4},
		{batch: 1, rate: rate, conns: 32},
		{batch: 1, rate: rate, conns: 32, steady: true},
		{batch: 1, catalog: true, conns: 16},
	}
}

// stores are the targets of a shape: "" is Alertmanager. Correlation is
// alertgate's own, so Alertmanager has no correlated run; the memory
// store's correlation costs nothing worth a run.
func stores(s scenario) []string {
	if s.catalog {
		return []string{"redis"}
	}
	return []string{"", "memory", "redis"}
}

func (o *options) wants(s scenario) bool { return o.runs == "" || strings.Contains(s.name(), o.runs) }
