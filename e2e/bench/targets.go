package main

import (
	"fmt"
	"strings"
	"time"
)

// target is one of the figures alertgate promises on a two-core machine,
// checked against the runs that measure it. Most are ratios to the
// Alertmanager run of the same load in the same session: absolute
// figures move with whatever else the shared machine does, ratios of
// runs minutes apart much less.
type target struct {
	promise string
	runs    func(*result) bool
	// measure returns the figure of a run and whether it meets the
	// promise; am is Alertmanager's run of the same load, or nil.
	measure func(x, am *result) (string, bool)
	// needsAM says the promise is relative to Alertmanager: without its
	// run (make bench, not bench-am) the target is not judged.
	needsAM bool
}

func flat(r *result) bool { return r.rate == 0 }

// vsAM judges alerts/s against at least times Alertmanager's.
func vsAM(times float64) func(x, am *result) (string, bool) {
	return func(x, am *result) (string, bool) {
		a, b := x.load.alertsPerSec(x.batch), am.load.alertsPerSec(am.batch)
		return fmt.Sprintf("%.0f vs %.0f alerts/s: %.2f×", a, b, a/b), a >= times*b
	}
}

// before are the re-send runs' alerts/s as a multiple of Alertmanager's,
// from e2e/RESULTS.md of 2026-11-25 (the last results before the storm
// regime): a re-send run must stay within 10 % of its ratio.
var before = map[string]float64{
	"memory/batch1/flat":   20038.0 / 9883,
	"memory/batch100/flat": 144975.0 / 43905,
	"redis/batch1/flat":    9443.0 / 9883,
	"redis/batch100/flat":  32326.0 / 43905,
}

var targets = []target{
	{
		promise: "storm, Redis store: ≥ 2× Alertmanager's alerts/s",
		runs:    func(r *result) bool { return r.storm && r.store == "redis" && flat(r) },
		measure: vsAM(2), needsAM: true,
	},
	{
		promise: "storm, memory store: ≥ 3× Alertmanager's alerts/s",
		runs:    func(r *result) bool { return r.storm && r.store == "memory" && flat(r) },
		measure: vsAM(3), needsAM: true,
	},
	{
		promise: "storm: CPU per alert (alertgate + Redis) ≤ ½ Alertmanager's",
		runs:    func(r *result) bool { return r.storm && r.target == "alertgate" },
		measure: func(x, am *result) (string, bool) {
			a, b := x.cpuPerAlert(), am.cpuPerAlert()
			return fmt.Sprintf("%.1f vs %.1f µs: %.2f×", a, b, a/b), a <= b/2
		},
		needsAM: true,
	},
	{
		promise: "Redis store, paced, first flush in the window: p99 ≤ Alertmanager's",
		runs:    func(r *result) bool { return r.store == "redis" && r.rate > 0 && !r.steady },
		measure: func(x, am *result) (string, bool) {
			a, b := x.load.percentile(0.99), am.load.percentile(0.99)
			return fmt.Sprintf("p99 %s vs %s", round(a), round(b)), a <= b
		},
		needsAM: true,
	},
	{
		// Background work (flushes, the outbox) is counted too.
		promise: "≤ 1 Redis round trip per request",
		runs:    func(r *result) bool { return r.store == "redis" && flat(r) },
		measure: func(x, _ *result) (string, bool) {
			return fmt.Sprintf("%.2f per request", x.roundTrips), x.roundTrips <= 1
		},
	},
	{
		promise: "re-sends: no regression (alerts/s × AM within 10 % of 2026-11-25's)",
		runs:    func(r *result) bool { _, ok := before[r.name()]; return ok },
		measure: func(x, am *result) (string, bool) {
			a, b := x.load.alertsPerSec(x.batch), am.load.alertsPerSec(am.batch)
			was := before[x.name()]
			return fmt.Sprintf("%.2f× (was %.2f×)", a/b, was), a/b >= 0.9*was
		},
		needsAM: true,
	},
	{
		promise: "≥ 20,000 alerts/s in single-alert re-send requests, memory store",
		runs:    func(r *result) bool { return !r.storm && r.store == "memory" && r.batch == 1 && flat(r) },
		measure: func(x, _ *result) (string, bool) {
			aps := x.load.alertsPerSec(x.batch)
			return fmt.Sprintf("%.0f alerts/s", aps), aps >= 20000
		},
	},
	{
		promise: "≥ 100,000 alerts/s in re-send batches of 100, memory store",
		runs:    func(r *result) bool { return !r.storm && r.store == "memory" && r.batch == 100 && flat(r) },
		measure: func(x, _ *result) (string, bool) {
			aps := x.load.alertsPerSec(x.batch)
			return fmt.Sprintf("%.0f alerts/s", aps), aps >= 100000
		},
	},
	{
		promise: "p99 ≤ 5 ms at 5,000 alerts/s of steady re-sends",
		runs:    func(r *result) bool { return r.target == "alertgate" && r.rate == 5000 && r.steady },
		measure: func(x, _ *result) (string, bool) {
			p99 := x.load.percentile(0.99)
			return "p99 " + round(p99).String(), p99 <= 5*time.Millisecond
		},
	},
}

// targetRows returns, for every run that measures a target, the target,
// the run, its figure and whether it is met.
func (r *report) targetRows() [][]string {
	var out [][]string
	for _, t := range targets {
		for _, x := range r.results {
			if x.target != "alertgate" || !t.runs(x) {
				continue
			}
			am := r.alertmanagerRun(x)
			if t.needsAM && am == nil {
				continue
			}
			var fig string
			var ok bool
			switch {
			case x.load.requests == 0:
				fig = "nothing measured (the server never caught up)"
			case t.needsAM && am != nil && am.load.requests == 0:
				fig = "Alertmanager's run measured nothing"
			default:
				fig, ok = t.measure(x, am)
			}
			met := "yes"
			if !ok {
				met = "**no**"
			}
			out = append(out, []string{t.promise, x.name(), fig, met})
		}
	}
	return out
}

// targetsMarkdown is the targets section of e2e/RESULTS.md.
func (r *report) targetsMarkdown() string {
	rows := r.targetRows()
	if len(rows) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("## Against the targets\n\n| target | run | measured | met |\n|---|---|---|---|\n")
	for _, row := range rows {
		b.WriteString("| " + strings.Join(row, " | ") + " |\n")
	}
	return b.String()
}
