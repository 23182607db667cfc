package main

import (
	"testing"
	"time"
)

func TestTargetRows_JudgeEachRunAgainstItsPromise(t *testing.T) {
	run := func(s scenario, target string, requests int, p99 time.Duration, trips float64) *result {
		lat := make([]time.Duration, 100)
		for i := range lat {
			lat[i] = p99
		}
		return &result{scenario: s, target: target, roundTrips: trips,
			load: &loadResult{requests: requests, elapsed: time.Second, latency: lat}}
	}
	r := &report{results: []*result{
		run(scenario{store: "memory", batch: 1}, "alertgate", 21000, time.Millisecond, -1),
		run(scenario{store: "memory", batch: 100}, "alertgate", 900, time.Millisecond, -1),
		run(scenario{store: "redis", batch: 1, catalog: true}, "alertgate", 6000, time.Millisecond, 2.04),
		run(scenario{store: "memory", batch: 1, rate: 5000, steady: true}, "alertgate", 5000, 4*time.Millisecond, -1),
		run(scenario{batch: 1, rate: 5000}, "alertmanager", 5000, time.Millisecond, -1),
		// Alertmanager never caught up with its steady run: that judges
		// none of alertgate's absolute promises.
		run(scenario{batch: 1, rate: 5000, steady: true}, "alertmanager", 0, 0, -1),
		run(scenario{storm: true, batch: 1, conns: 16}, "alertmanager", 5000, 10*time.Millisecond, -1),
		run(scenario{storm: true, store: "redis", batch: 1, conns: 16}, "alertgate", 10500, 5*time.Millisecond, 0.4),
		run(scenario{storm: true, store: "memory", batch: 1, conns: 16}, "alertgate", 14000, 5*time.Millisecond, -1),
		run(scenario{store: "redis", batch: 1, rate: 5000, steady: true, conns: 32}, "alertgate", 0, 0, -1),
	}}
	want := map[string]string{
		"memory/batch1/flat":             "yes",    // 21,000 alerts/s
		"memory/batch100/flat":           "**no**", // 90,000 alerts/s
		"redis/batch1/flat/correlated":   "**no**", // two round trips
		"memory/batch1/paced5000/steady": "yes",    // p99 4 ms
		"redis/storm/batch1/flat":        "yes",    // 2.1× Alertmanager, 0.4 round trips
		"memory/storm/batch1/flat":       "**no**", // 2.8× Alertmanager
		"redis/batch1/paced5000/steady":  "**no**", // nothing measured
	}
	got := map[string]string{} // a run's worst verdict over its targets
	for _, row := range r.targetRows() {
		if got[row[1]] != "**no**" {
			got[row[1]] = row[3]
		}
	}
	for run, met := range want {
		if got[run] != met {
			t.Errorf("%s: met = %q, want %q", run, got[run], met)
		}
	}
	if len(got) != len(want) {
		t.Errorf("judged runs %v, want only %v (Alertmanager's runs are not alertgate's targets)", got, want)
	}
}

func TestKeptSections_KeepsWhatTheBenchDoesNotWrite(t *testing.T) {
	old := "# alertgate benchmark results\n\nintro\n\n## Machine\n\nm\n\n## Ingest\n\ni\n\n## Against the targets\n\nt\n\n## Notes\n\nby hand\n\n## Soak\n\ns\n"
	want := "\n## Notes\n\nby hand\n\n## Soak\n\ns\n"
	if got := keptSections(old); got != want {
		t.Errorf("keptSections = %q, want %q", got, want)
	}
	if got := keptSections(""); got != "" {
		t.Errorf("keptSections of nothing = %q", got)
	}
}
