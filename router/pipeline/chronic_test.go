package pipeline

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// An alert that keeps coming back, each time a short incident of its
// own, spends its day's budget of sounds (six): the seventh return is
// quiet, and the chronic list and an on-demand digest name it with the
// count that made it chronic.
func TestChronic_OverItsSoundsBudgetIsListedAndSentOnDemand(t *testing.T) {
	h := newRehearsal(t, noiseConfig, nil)
	flaky := []string{"alertname", "QueueBacklog", "severity", "warning", "service", "queue"}
	for range 4 {
		h.ingest(h.fire(flaky...))
		h.run(30 * time.Minute)
		h.ingest(h.resolve(flaky...))
		h.run(30 * time.Minute)
	}
	h.ingest(h.fire(flaky...))
	h.run(10 * time.Minute)
	list, err := h.e.ChronicIncidents(t.Context())
	if err != nil || len(list["team"]) != 1 {
		t.Fatalf("ChronicIncidents = %+v, %v; want the backlog under team", list, err)
	}
	if c := list["team"][0]; c.Alert != "QueueBacklog" || !strings.HasSuffix(c.Why, "sounds today") {
		t.Errorf("chronic entry %+v, want the backlog chronic by its sounds today", c)
	}
	before := len(h.sounds())
	if n, err := h.e.SendChronicDigest(t.Context(), "oncall"); n != 0 || err != nil {
		t.Errorf("digest of oncall, where nothing is chronic: %d, %v; want nothing sent", n, err)
	}
	if _, err := h.e.SendChronicDigest(t.Context(), "nobody"); !errors.Is(err, ErrUnknownReceiver) {
		t.Errorf("digest of an unknown receiver: %v, want ErrUnknownReceiver", err)
	}
	h.step()
	if got := h.sounds(); len(got) != before {
		t.Fatalf("refused digests made sounds: %v", got[before:])
	}
	if n, err := h.e.SendChronicDigest(t.Context(), "team"); n != 1 || err != nil {
		t.Fatalf("digest of team: %d, %v; want 1 incident", n, err)
	}
	h.step()
	if got := h.sounds(); len(got) != before+1 || got[before] != "slack:team post chronic" {
		t.Errorf("after the digest of team the sounds are %v, want one chronic post more", got)
	}
}
