package storm

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	_ "time/tzdata"
)

var (
	configPath = filepath.Join("..", "..", "config", "alertgate.yml")
	tracePath  = filepath.Join("..", "testdata", TraceFile)
	truthPath  = filepath.Join("..", "testdata", TruthFile)
)

// TestNoise_StormDayCompressesAndMissesNothing replays the recorded storm
// day through the example configuration, with correlation on and off,
// and holds alertgate to its promise: at least 95 % fewer notifications
// than raw alerts, every real incident told, every critical one at night
// paged, and nobody woken for less than a critical alert.
func TestNoise_StormDayCompressesAndMissesNothing(t *testing.T) {
	records, err := ReadTrace(tracePath)
	if err != nil {
		t.Fatal(err)
	}
	truth, err := ReadTruth(truthPath)
	if err != nil {
		t.Fatal(err)
	}
	var ms []*Noise
	for _, correlate := range []bool{true, false} {
		cfg, err := LoadConfig(configPath, correlate)
		if err != nil {
			t.Fatal(err)
		}
		n, err := Measure(context.Background(), cfg, records, truth)
		if err != nil {
			t.Fatal(err)
		}
		ms = append(ms, n)
	}
	var out bytes.Buffer
	if err := WriteComparison(&out, ms...); err != nil {
		t.Fatal(err)
	}
	t.Logf("noise of the storm day:\n%s", out.String())
	for _, n := range ms {
		if n.Rejected > 0 {
			t.Errorf("correlation=%v: %d webhooks rejected", n.Correlation, n.Rejected)
		}
		if n.Reduction() < 0.95 {
			t.Errorf("correlation=%v: %d notifications for %d alerts, %.1f %% fewer; want at least 95 %%", n.Correlation, n.Notifications, n.Alerts, 100*n.Reduction())
		}
		if len(n.Missed) > 0 || len(n.Unpaged) > 0 {
			t.Errorf("correlation=%v: incidents missed %v, critical incidents not paged %v", n.Correlation, n.Missed, n.Unpaged)
		}
		if len(n.WrongPages) > 0 || n.OffHoursNonCritical > 0 {
			t.Errorf("correlation=%v: pages that must not happen %v, %d off-hours pages for non-critical incidents", n.Correlation, n.WrongPages, n.OffHoursNonCritical)
		}
		if n.InhibitedNotified > 0 {
			t.Errorf("correlation=%v: %d notifications showed alerts of the failed node's pods", n.Correlation, n.InhibitedNotified)
		}
	}
	if on, off := ms[0], ms[1]; on.Notifications > off.Notifications {
		t.Errorf("correlation on sends %d notifications, off %d: correlation should not add any", on.Notifications, off.Notifications)
	}
}

// TestGenerate_RecordedTraceIsUpToDate regenerates the storm day and
// compares it with the recorded files, so the trace, its truth and the
// generator never drift apart. Regenerate with `go run ./e2e/storm/cmd`.
func TestGenerate_RecordedTraceIsUpToDate(t *testing.T) {
	s := Generate(DefaultOptions())
	var trace, truth bytes.Buffer
	if err := WriteTrace(&trace, s.Records); err != nil {
		t.Fatal(err)
	}
	if err := s.Truth.WriteJSON(&truth); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string][]byte{tracePath: trace.Bytes(), truthPath: truth.Bytes()} {
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from what the generator makes now; run `go run ./e2e/storm/cmd`", path)
		}
	}
}
