package main

import (
	"fmt"
	"strings"
	"time"
)

// target is one of the figures alertgate promises on a two-core machine,
// checked against the runs that measure it.
type target struct {
	promise string
	runs    func(*result) bool
	// measure returns the figure of a run and whether it meets the promise.
	measure func(*result) (string, bool)
}

var targets = []target{
	{
		promise: "≥ 20,000 alerts/s in single-alert requests, memory store",
		runs:    func(r *result) bool { return r.store == "memory" && r.batch == 1 && r.rate == 0 },
		measure: func(r *result) (string, bool) {
			aps := r.load.alertsPerSec(r.batch)
			return fmt.Sprintf("%.0f alerts/s", aps), aps >= 20000
		},
	},
	{
		promise: "≥ 100,000 alerts/s in batches of 100, memory store",
		runs:    func(r *result) bool { return r.store == "memory" && r.batch == 100 && r.rate == 0 },
		measure: func(r *result) (string, bool) {
			aps := r.load.alertsPerSec(r.batch)
			return fmt.Sprintf("%.0f alerts/s", aps), aps >= 100000
		},
	},
	{
		// Background work (flushes, the outbox) is counted too, so a
		// little over one is still one per request.
		promise: "one Redis round trip per request",
		runs:    func(r *result) bool { return r.store == "redis" && r.rate == 0 },
		measure: func(r *result) (string, bool) {
			return fmt.Sprintf("%.2f per request", r.roundTrips), r.roundTrips < 1.5
		},
	},
	{
		promise: "p99 ≤ 5 ms at 5,000 alerts/s",
		runs:    func(r *result) bool { return r.target == "alertgate" && r.rate == 5000 },
		measure: func(r *result) (string, bool) {
			p99 := r.load.percentile(0.99)
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
			if !t.runs(x) {
				continue
			}
			fig, ok := t.measure(x)
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
