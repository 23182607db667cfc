package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"runtime"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/alertgate/alertgate/e2e/storm"
)

// machine describes where the bench ran.
type machine struct {
	cpu       string
	cores     int
	memory    string
	goVersion string
	kernel    string
	load      string
}

func describeMachine() machine {
	m := machine{cpu: "unknown", cores: runtime.NumCPU(), memory: "unknown", goVersion: runtime.Version(), load: loadAverage()}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(bytes.NewReader(b))
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				m.cpu = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "MemTotal:"); ok {
				var kb int64
				fmt.Sscan(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), &kb)
				m.memory = fmt.Sprintf("%.1f GiB", float64(kb)/(1<<20))
			}
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.kernel = "Linux " + strings.TrimSpace(string(b))
	}
	return m
}

// loadAverage is /proc/loadavg's 1, 5 and 15 minute averages.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

func (m machine) String() string {
	return fmt.Sprintf("machine: %s, %d cores, %s memory, %s, %s; load average %s\n", m.cpu, m.cores, m.memory, m.kernel, m.goVersion, m.load)
}

// report collects the results.
type report struct {
	machine  machine
	opts     *options
	started  time.Time
	finished time.Time
	loadEnd  string
	results  []*result
	noise    []*storm.Noise
	// alertmanager describes the Alertmanager of the comparison runs.
	alertmanager string
}

func (r *report) add(res *result) { r.results = append(r.results, res) }

var columns = []string{"run", "conns", "new %", "alerts/s", "× AM", "req/s", "p50", "p99", "p99 × AM", "p99.9", "Redis trips/req",
	"server CPU (cores)", "redis CPU", "CPU µs/alert (server + Redis)", "× AM", "RSS MiB (peak)", "load gen CPU", "other CPU", "notifications"}

// cpuPerAlert is the CPU the server and its Redis spent per alert, in
// microseconds.
func (x *result) cpuPerAlert() float64 {
	aps := x.load.alertsPerSec(x.batch)
	if aps <= 0 {
		return 0
	}
	return (x.serverCPU + x.redisCPU) / aps * 1e6
}

// sameShape reports whether two runs sent the same load (to different
// targets).
func sameShape(a, b scenario) bool {
	return a.storm == b.storm && a.batch == b.batch && a.rate == b.rate && a.steady == b.steady && a.catalog == b.catalog && a.conns == b.conns
}

// alertmanagerRun returns the Alertmanager run of x's shape, if any.
func (r *report) alertmanagerRun(x *result) *result {
	for _, y := range r.results {
		if y.target == "alertmanager" && sameShape(x.scenario, y.scenario) {
			return y
		}
	}
	return nil
}

// ratio formats a/b as "1.23×", or "–" without a b.
func ratio(a, b float64) string {
	if b <= 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f×", a/b)
}

func (r *report) rows() [][]string {
	var out [][]string
	for _, x := range r.results {
		l := x.load
		rt := "–"
		if x.roundTrips >= 0 {
			rt = fmt.Sprintf("%.2f", x.roundTrips)
		}
		redis := "–"
		if x.store == "redis" {
			redis = fmt.Sprintf("%.2f", x.redisCPU)
		}
		aps := l.alertsPerSec(x.batch)
		vsAPS, vsP99, vsCPU := "–", "–", "–"
		if am := r.alertmanagerRun(x); am != nil && am != x {
			vsAPS = ratio(aps, am.load.alertsPerSec(am.batch))
			vsP99 = ratio(float64(l.percentile(0.99)), float64(am.load.percentile(0.99)))
			vsCPU = ratio(x.cpuPerAlert(), am.cpuPerAlert())
		}
		out = append(out, []string{
			x.name(), fmt.Sprint(x.conns), fmt.Sprintf("%.0f", 100*l.freshShare()),
			fmt.Sprintf("%.0f", aps), vsAPS, fmt.Sprintf("%.0f", aps/float64(x.batch)),
			round(l.percentile(0.5)).String(), round(l.percentile(0.99)).String(), vsP99, round(l.percentile(0.999)).String(),
			rt, fmt.Sprintf("%.2f", x.serverCPU), redis, fmt.Sprintf("%.1f", x.cpuPerAlert()), vsCPU,
			fmt.Sprintf("%.0f (%.0f)", float64(x.rss)/(1<<20), float64(x.rssPeak)/(1<<20)),
			fmt.Sprintf("%.2f", x.clientCPU), fmt.Sprintf("%.2f", x.otherCPU), fmt.Sprintf("%.0f", x.notified),
		})
	}
	return out
}

// String is the plain-text report.
func (r *report) String() string {
	var b bytes.Buffer
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(columns, "\t"))
	for _, row := range r.rows() {
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	tw.Flush()
	fmt.Fprintf(&b, "\nload average before %s, after %s\n", r.machine.load, r.loadEnd)
	if rows := r.targetRows(); len(rows) > 0 {
		b.WriteString("\n")
		tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "target\trun\tmeasured\tmet")
		for _, row := range rows {
			fmt.Fprintln(tw, strings.ReplaceAll(strings.Join(row, "\t"), "**", ""))
		}
		tw.Flush()
	}
	if len(r.noise) > 0 {
		b.WriteString("\nnoise of the storm day (config/alertgate.yml, e2e/testdata/storm-day.jsonl):\n")
		_ = storm.WriteComparison(&b, r.noise...)
	}
	return b.String()
}

// markdown is e2e/RESULTS.md.
func (r *report) markdown() string {
	var b bytes.Buffer
	o := r.opts
	fmt.Fprintf(&b, "# alertgate benchmark results\n\nGenerated by `make bench` (`go run ./e2e/bench`) on %s; do not edit by hand.\n\n", r.started.UTC().Format("2006-01-02 15:04 MST"))
	b.WriteString("## Machine\n\n")
	fmt.Fprintf(&b, "| | |\n|---|---|\n| CPU | %s |\n| cores | %d |\n| memory | %s |\n| kernel | %s |\n| Go | %s |\n| load average (1, 5, 15 min) | %s before, %s after (the bench's own load included) |\n\n",
		r.machine.cpu, r.machine.cores, r.machine.memory, r.machine.kernel, r.machine.goVersion, r.machine.load, r.loadEnd)
	b.WriteString("## Ingest\n\n")
	st := o.storm
	fmt.Fprintf(&b, "Each run starts a fresh server with config/alertgate.yml (catalog and correlation on, dry-run notifications, "+
		"rate limits off). Two regimes: `storm` runs send mostly alerts never seen before — %d alert names × %d instances over "+
		"%d services, so %d groups of %d alerts, one group per request, with one request in %d a re-send of an earlier one "+
		"(\"new %%\" is the share of measured requests whose alerts were new), sent again in waves on services of their own "+
		"as often as a run could need (up to 100,000 alerts/s or 20,000 requests/s) so that fast runs stay storms; the other runs cycle through %d distinct "+
		"alerts: the first pass is all new alerts, later passes are the re-sends alertgate deduplicates. "+
		"The runs of one load go to each target in turn (Alertmanager, memory, Redis), so they ran minutes apart; \"× AM\" "+
		"compares a run with Alertmanager's run of the same load. CPU per alert counts the server and, for the Redis store, "+
		"redis-server too. %s of load after %s of warm-up. The load generator runs on the same machine "+
		"(its CPU is the \"load gen CPU\" column) and keeps one request in flight per connection. Latency is from when a "+
		"request was due (paced runs) or sent (flat-out runs) to its complete response. \"Redis trips/req\" is "+
		"alertgate_store_round_trips_total over the measured window divided by its requests, background work included. "+
		"Notifications are alertgate_notifications_total (or alertmanager_notifications_total) once the groups' group_wait "+
		"(%s) has passed. The machine is shared: \"other CPU\" is what everything else on it used during the window "+
		"(cores, from /proc/stat), and lowers every figure of that run.\n\n", st.names, st.instances, st.services,
		st.names*st.services, st.groupSize(), resendEvery+1, o.poolSize, o.duration, o.warmup, groupWait)
	b.WriteString("| " + strings.Join(columns, " | ") + " |\n|" + strings.Repeat("---|", len(columns)) + "\n")
	for _, row := range r.rows() {
		b.WriteString("| " + strings.Join(row, " | ") + " |\n")
	}
	b.WriteString("\nRun names: store/alerts per request/flat out or paced to alerts per second; `correlated` alerts belong to a " +
		"catalog service (namespace web, app api) so every request also correlates; `steady` runs start measuring once the " +
		"groups the first pass opened have been notified, so they see only the re-send traffic of a storm in progress, while " +
		"the other runs' windows include that first flush (about ten seconds in: 20 groups of 1,000 new alerts each).\n")
	if t := r.targetsMarkdown(); t != "" {
		b.WriteString("\n" + t)
	}
	if r.alertmanager != "" {
		fmt.Fprintf(&b, "\nThe `alertmanager` runs drive %s with the same alerts through POST /api/v2/alerts, as Prometheus "+
			"posts them: one instance (no cluster), grouped by [alertname, service] with the same group_wait, group_interval "+
			"and repeat_interval, notifying a webhook sink in the bench.\n", r.alertmanager)
	}
	if len(r.noise) > 0 {
		b.WriteString("\n## Noise of the storm day\n\n`e2e/testdata/storm-day.jsonl` replayed through config/alertgate.yml " +
			"(e2e/storm; the same figures `go test ./e2e/storm` asserts):\n\n```\n")
		_ = storm.WriteComparison(&b, r.noise...)
		b.WriteString("```\n")
	}
	return b.String()
}
