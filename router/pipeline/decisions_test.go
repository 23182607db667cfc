package pipeline

import (
	"testing"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/incident"
	"github.com/alertgate/alertgate/router/store"
	"github.com/alertgate/alertgate/router/store/memory"
)

// TestIngest_CountsEveryAlertsDecision checks that a webhook's verdicts
// are counted per alert in the decisions metric and the noise report's
// counters, though they are added up once per webhook: names and
// verdicts repeat within one.
func TestIngest_CountsEveryAlertsDecision(t *testing.T) {
	h := newHarness(t, testConfig, memory.New(store.Options{Retention: time.Hour}))
	a1 := h.alert(alert.StatusFiring, map[string]string{"alertname": "A", "pod": "1"})
	a2 := h.alert(alert.StatusFiring, map[string]string{"alertname": "A", "pod": "2"})
	b := h.alert(alert.StatusFiring, map[string]string{"alertname": "B"})
	h.ingest(a1, b)
	h.ingest(a1, a2, b, a2) // a1, b, the second a2: duplicates

	decided := func(action, reason string) float64 {
		t.Helper()
		mfs, err := h.reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		for _, mf := range mfs {
			if mf.GetName() != "alertgate_alerts_decided_total" {
				continue
			}
			for _, m := range mf.GetMetric() {
				got := map[string]string{}
				for _, l := range m.GetLabel() {
					got[l.GetName()] = l.GetValue()
				}
				if got["source"] == "alertmanager" && got["action"] == action && got["reason"] == reason {
					return m.GetCounter().GetValue()
				}
			}
		}
		return 0
	}
	if n := decided("notify", "new"); n != 3 {
		t.Errorf("notify/new decisions = %v, want 3", n)
	}
	if n := decided("suppress", "duplicate"); n != 3 {
		t.Errorf("suppress/duplicate decisions = %v, want 3", n)
	}

	in, err := h.e.ReportInput(t.Context(), h.now().Add(-time.Hour), h.now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	got := in.Counters[incident.Day(h.now())]
	want := incident.Counters{"received:alertmanager": 6, "alertname:A": 4, "alertname:B": 2}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("counter %s = %d, want %d (all: %v)", k, got[k], n, got)
		}
	}
}
