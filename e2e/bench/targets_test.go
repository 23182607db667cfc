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
	}}
	want := map[string]string{
		"memory/batch1/flat":             "yes",    // 21,000 alerts/s
		"memory/batch100/flat":           "**no**", // 90,000 alerts/s
		"redis/batch1/flat/correlated":   "**no**", // two round trips
		"memory/batch1/paced5000/steady": "yes",    // p99 4 ms
	}
	got := map[string]string{}
	for _, row := range r.targetRows() {
		if _, dup := got[row[1]]; dup {
			t.Errorf("run %s judged twice", row[1])
		}
		got[row[1]] = row[3]
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
