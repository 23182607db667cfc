package router

import (
	"net/http"
	"testing"
	"time"
)

// TestJournal_KeepsNewsNotDuplicates checks what the replay journal holds
// after an HA pair sent a firing alert and then its resolve twice each:
// the firing and the resolve, to replay if the store loses its state, and
// neither twin, which tells the store nothing and would only cost memory
// during a storm of re-sends.
func TestJournal_KeepsNewsNotDuplicates(t *testing.T) {
	h := newHarness(t, testConfig, nil)
	start := h.now()
	labels := map[string]string{"alertname": "DiskFull", "instance": "db-1"}
	for _, status := range []string{"firing", "resolved"} {
		for twin := range 2 {
			if code, resp := h.post(amPath, "am-token", amAlert(status, start, labels)); code != http.StatusOK {
				t.Fatalf("%s from twin %d: %d %v", status, twin, code, resp)
			}
			h.deliver()
		}
		h.advance(time.Minute)
	}
	var got []string
	for _, b := range h.rt.journal.recent(start) {
		for _, a := range b.alerts {
			got = append(got, string(a.Status))
			if a.Raw != nil {
				t.Errorf("journaled %s alert keeps its raw payload (%d bytes)", a.Status, len(a.Raw))
			}
		}
	}
	if len(got) != 2 || got[0] != "firing" || got[1] != "resolved" {
		t.Errorf("journal holds %v, want [firing resolved]", got)
	}
}
