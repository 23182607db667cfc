package rules

import (
	"slices"
	"testing"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/incident"
)

func routeFor(t *testing.T, r *Rules, ls map[string]string) *Route {
	t.Helper()
	m := r.Match(&alert.Alert{Labels: ls})
	if len(m) != 1 {
		t.Fatalf("%v matched %d routes", ls, len(m))
	}
	return m[0].Route
}

func TestTimeMuted_MuteAndActiveIntervals(t *testing.T) {
	r := mustRules(t, tokyo+`
  routes:
    - matchers: ['batch="nightly"']
      mute_time_intervals: [night]
    - matchers: ['severity="critical"']
      active_time_intervals: [alertgate:business_hours]
    - matchers: ['severity="page"']
      mute_time_intervals: [alertgate:business_hours]
time_intervals:
  - name: night
    time_intervals:
      - times: [{start_time: "01:00", end_time: "05:00"}]
        location: Asia/Tokyo
`)
	batch := routeFor(t, r, map[string]string{"batch": "nightly"})
	inHours := routeFor(t, r, map[string]string{"severity": "critical"})
	outOfHours := routeFor(t, r, map[string]string{"severity": "page"})
	tests := []struct {
		route *Route
		at    string
		muted bool
	}{
		{batch, "2026-01-13 02:00", true},
		{batch, "2026-01-13 05:00", false},
		{inHours, "2026-01-13 14:00", false},
		{inHours, "2026-01-13 03:00", true},
		{inHours, "2026-01-12 14:00", true}, // Coming of Age Day
		{outOfHours, "2026-01-13 14:00", true},
		{outOfHours, "2026-01-13 03:00", false},
	}
	for _, tt := range tests {
		reason, muted := r.TimeMuted(tt.route, jst(t, tt.at))
		if muted != tt.muted || muted && reason == "" {
			t.Errorf("%s at %s: muted = %v (%q), want %v", tt.route.ID, tt.at, muted, reason, tt.muted)
		}
	}
}

func TestInhibition_NodeDownInhibitsPodsOnThatNode(t *testing.T) {
	r := mustRules(t, base+`
inhibit_rules:
  - source_matchers: ['alertname="KubeNodeNotReady"']
    target_matchers: ['alertname=~"KubePod.*"']
    equal: [node]
  - source_matchers: ['severity="critical"']
    target_matchers: ['severity="warning"']
    equal: [alertname]
`)
	node := map[string]string{"alertname": "KubeNodeNotReady", "node": "n1", "severity": "critical"}
	podSame := map[string]string{"alertname": "KubePodCrashLooping", "node": "n1", "severity": "warning"}
	podOther := map[string]string{"alertname": "KubePodCrashLooping", "node": "n2", "severity": "warning"}
	held := r.InhibitKeys(node)
	if len(held) != 2 {
		t.Fatalf("node alert holds %v, want a key for each rule it is a source of", held)
	}
	if !hasAny(r.InhibitedBy(podSame), held) {
		t.Error("a pod on the failed node is not inhibited")
	}
	if hasAny(r.InhibitedBy(podOther), held) {
		t.Error("a pod on another node is inhibited")
	}
	if len(r.InhibitKeys(podSame)) != 0 {
		t.Error("a pod alert holds inhibition keys it is not a source of")
	}
	// Two critical/warning alerts with the same name: the warning one is
	// inhibited; an alert that matches both sides of a rule does not
	// inhibit another one that does.
	crit := map[string]string{"alertname": "X", "severity": "critical"}
	warn := map[string]string{"alertname": "X", "severity": "warning"}
	if !hasAny(r.InhibitedBy(warn), r.InhibitKeys(crit)) {
		t.Error("critical does not inhibit warning of the same alertname")
	}
}

func TestInhibition_MutesFromTheHoldersItWasGiven(t *testing.T) {
	r := mustRules(t, base+`
inhibit_rules:
  - source_matchers: ['alertname="KubeNodeNotReady"']
    target_matchers: ['alertname=~"KubePod.*"']
    equal: [node]
`)
	node := map[string]string{"alertname": "KubeNodeNotReady", "node": "n1"}
	pod := map[string]string{"alertname": "KubePodCrashLooping", "node": "n1"}
	holders := map[string][]alert.Fingerprint{}
	for _, k := range r.InhibitKeys(node) {
		holders[k] = []alert.Fingerprint{"nodefp"}
	}
	if by, muted := r.Inhibition(holders).Mutes(t.Context(), pod, time.Time{}); !muted || by != "alert nodefp" {
		t.Errorf("pod on the failed node: %q, %v; want muted by alert nodefp", by, muted)
	}
	if by, muted := r.Inhibition(nil).Mutes(t.Context(), pod, time.Time{}); muted {
		t.Errorf("without a holder the pod is muted by %q", by)
	}
	if _, muted := r.Inhibition(holders).Mutes(t.Context(), node, time.Time{}); muted {
		t.Error("the node alert inhibits itself")
	}
}

func TestInhibition_TwoSidedMatchDoesNotInhibitItsTwin(t *testing.T) {
	r := mustRules(t, base+`
inhibit_rules:
  - source_matchers: ['team="db"']
    target_matchers: ['team="db"']
    equal: [cluster]
`)
	a := map[string]string{"team": "db", "cluster": "c1", "alertname": "A"}
	b := map[string]string{"team": "db", "cluster": "c1", "alertname": "B"}
	if hasAny(r.InhibitedBy(b), r.InhibitKeys(a)) {
		t.Error("two alerts matching both sides of a rule inhibit each other (Alertmanager does not)")
	}
}

func hasAny(keys, held []string) bool {
	for _, k := range keys {
		if slices.Contains(held, k) {
			return true
		}
	}
	return false
}

func TestMuters_SilencesAndMaintenanceWindows(t *testing.T) {
	r := mustRules(t, base+`
maintenance_windows:
  - name: weekly-db-maintenance
    matchers: ['service="aurora-main"']
    time_intervals:
      - weekdays: [sunday]
        times: [{start_time: "03:00", end_time: "04:00"}]
        location: Asia/Tokyo
`)
	now := jst(t, "2026-01-13 14:00")
	sils := []incident.Silence{
		{ID: "s1", Matchers: []string{`service="api"`, `alertname=~"High.*"`}, StartsAt: now.Add(-time.Hour), EndsAt: now.Add(time.Hour)},
		{ID: "old", Matchers: []string{`service="web"`}, StartsAt: now.Add(-2 * time.Hour), EndsAt: now.Add(-time.Hour)},
		{ID: "bad", Matchers: []string{`service=~"(`}, StartsAt: now.Add(-time.Hour), EndsAt: now.Add(time.Hour)},
	}
	s := CompileSilences(sils)
	for _, tt := range []struct {
		labels map[string]string
		want   string
	}{
		{map[string]string{"service": "api", "alertname": "HighErrorRate"}, "silence s1"},
		{map[string]string{"service": "api", "alertname": "Other"}, ""},
		{map[string]string{"service": "web"}, ""},
	} {
		if got, muted := s.Mutes(t.Context(), tt.labels, now); got != tt.want || muted != (tt.want != "") {
			t.Errorf("Mutes(%v) = %q, %v; want %q", tt.labels, got, muted, tt.want)
		}
	}
	db := map[string]string{"service": "aurora-main"}
	if got, _ := s.Mutes(t.Context(), map[string]string{"service": "web"}, now.Add(-90*time.Minute)); got != "silence old" {
		t.Errorf("while the old silence was active: %q", got)
	}
	if got, _ := r.Maintenance().Mutes(t.Context(), db, jst(t, "2026-01-18 03:30")); got != "maintenance weekly-db-maintenance" {
		t.Errorf("inside the window: %q", got)
	}
	if got, muted := r.Maintenance().Mutes(t.Context(), db, jst(t, "2026-01-18 04:00")); muted {
		t.Errorf("after the window: %q", got)
	}
}
