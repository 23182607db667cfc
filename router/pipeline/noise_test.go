package pipeline

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/router/notify"
	"github.com/alertgate/alertgate/router/store"
	"github.com/alertgate/alertgate/router/store/redis/redistest"
)

// noiseConfig is a team channel that sounds in business hours (the
// harness starts on Wednesday 4 March 2026, 14:00 in Tokyo) and an
// on-call that pages for critical alerts; a node's failure explains its
// targets.
const noiseConfig = testSources + `
business_hours: {location: Asia/Tokyo, holidays: jp}
receivers:
  - name: team
    slack: {channel: "#team"}
  - name: oncall
    pagerduty: {routing_key: ""}
    slack: {channel: "#oncall"}
route:
  receiver: team
  group_by: [service]
  group_wait: 0s
  group_interval: 5m
  noise:
    digest_interval: 1h
    sound_time_intervals: [alertgate:business_hours]
    chronic: {after: 6h, sounds_per_day: 6}
  routes:
    - matchers: ['severity="critical"']
      receiver: oncall
    - receiver: team
inhibit_rules:
  - source_matchers: ['alertname="NodeDown"']
    target_matchers: ['alertname="TargetDown"']
    equal: [node]
`

func (h *harness) fire(labels ...string) alert.Alert {
	return h.alert(alert.StatusFiring, kv(labels...))
}

func (h *harness) resolve(labels ...string) alert.Alert {
	return h.alert(alert.StatusResolved, kv(labels...))
}

func kv(pairs ...string) map[string]string {
	m := map[string]string{}
	for i := 0; i+1 < len(pairs); i += 2 {
		m[pairs[i]] = pairs[i+1]
	}
	return m
}

// run advances the clock by d in steps of 10 s, flushing and delivering
// at each, as the background loops would.
func (h *harness) run(d time.Duration) {
	for end := h.now().Add(d); h.now().Before(end); {
		h.advance(10 * time.Second)
		h.step()
	}
}

// lastWhy returns the Why of the last delivered notification of kind.
func (h *harness) lastWhy(kind notify.Kind) string {
	why := ""
	for _, n := range h.delivered() {
		if n.Kind == kind {
			why = n.Why
		}
	}
	return why
}

func TestNoise_ChurnEditsSilentlyAndDigestsAtMostHourly(t *testing.T) {
	h := newRehearsal(t, noiseConfig, nil)
	pod := func(i int) []string {
		return []string{"alertname", "PodMemoryHigh", "severity", "warning", "service", "web", "pod", "web-" + string(rune('a'+i))}
	}
	h.ingest(h.fire(pod(0)...))
	h.step()
	if got := h.sounds(); !slices.Equal(got, []string{"slack:team post trigger"}) {
		t.Fatalf("a new incident made %v, want one post", got)
	}
	// An hour and a half of churn: pods join and leave every 10 minutes.
	for i := 1; i <= 9; i++ {
		h.run(10 * time.Minute)
		h.ingest(h.fire(pod(i)...), h.resolve(pod(i-1)...))
	}
	h.run(5 * time.Minute)
	sounds := h.sounds()
	if len(sounds) != 2 || sounds[1] != "slack:team reply digest" {
		t.Fatalf("after 95 minutes of churn the sounds are %v, want the post and one digest", sounds)
	}
	if why := h.lastWhy(notify.KindDigest); !strings.Contains(why, "joined") || !strings.Contains(why, "resolved since 14:00") {
		t.Errorf("digest %q, want the churn since the incident opened at 14:00", why)
	}
	edits := 0
	for _, e := range h.effects() {
		if e == "slack:team edit update" {
			edits++
		}
	}
	if edits < 8 {
		t.Errorf("%d silent edits, want one per change", edits)
	}
}

func TestNoise_RaisedSeverityAndTheResolveSound(t *testing.T) {
	h := newRehearsal(t, noiseConfig, nil)
	h.ingest(h.fire("alertname", "SlowQueries", "severity", "info", "service", "db"))
	h.step()
	h.run(5 * time.Minute)
	h.ingest(h.fire("alertname", "ReplicaLag", "severity", "warning", "service", "db"))
	h.run(5 * time.Minute)
	if why := h.lastWhy(notify.KindUpdate); why != "severity raised to warning" {
		t.Errorf("update says %q, want the raise", why)
	}
	// A second warning once the first resolved raises nothing: the
	// incident showed a warning already.
	h.ingest(h.resolve("alertname", "ReplicaLag", "severity", "warning", "service", "db"))
	h.run(5 * time.Minute)
	h.ingest(h.fire("alertname", "ReplicaLag", "severity", "warning", "service", "db", "replica", "2"))
	h.run(5 * time.Minute)
	h.ingest(h.resolve("alertname", "SlowQueries", "severity", "info", "service", "db"), h.resolve("alertname", "ReplicaLag", "severity", "warning", "service", "db", "replica", "2"))
	h.run(5 * time.Minute)
	want := []string{"slack:team post trigger", "slack:team reply update", "slack:team reply resolve"}
	if got := h.sounds(); !slices.Equal(got, want) {
		t.Errorf("sounds %v, want %v", got, want)
	}
}

// TestNoise_LessThanCriticalWaitsForItsSoundHours: at 20:00 only the
// critical alert sounds. A warning that fired all night and still fires
// when business hours start is chronic by then (firing for more than
// six hours): the morning's chronic digest lists it. One that fired
// shortly before is posted at 10:00; one that came and went at night is
// never told.
func TestNoise_LessThanCriticalWaitsForItsSoundHours(t *testing.T) {
	h := newRehearsal(t, noiseConfig, nil)
	h.advance(6 * time.Hour) // 20:00 in Tokyo
	h.ingest(
		h.fire("alertname", "DiskFilling", "severity", "warning", "service", "web"),
		h.fire("alertname", "Blip", "severity", "warning", "service", "api"),
		h.fire("alertname", "NodeDown", "severity", "critical", "service", "infra", "node", "n1"),
	)
	h.step()
	if got := h.sounds(); !slices.Equal(got, []string{"pagerduty:oncall page trigger", "slack:oncall post trigger"}) {
		t.Fatalf("at 20:00 the sounds are %v, want only the critical page", got)
	}
	h.run(20 * time.Minute)
	h.ingest(h.resolve("alertname", "Blip", "severity", "warning", "service", "api"))
	h.run(12*time.Hour + 40*time.Minute) // to 09:00 the next morning
	h.ingest(h.fire("alertname", "Fresh", "severity", "warning", "service", "auth"))
	h.run(time.Hour + 30*time.Second)
	var team []string
	for _, c := range h.calls {
		n := c.n
		if n.Target.Receiver != "team" || len(c.effects) == 0 {
			continue
		}
		team = append(team, string(n.Kind)+" "+n.Title)
		if n.CreatedAt.Sub(h.clockAt(10, 0)) > 10*time.Second {
			t.Errorf("the morning's %s came at %s, want at 10:00", n.Kind, n.CreatedAt)
		}
		if n.Kind == notify.KindChronic && (len(n.Chronic) != 1 || n.Chronic[0].Alert != "DiskFilling") {
			t.Errorf("the chronic digest lists %+v, want the night's warning", n.Chronic)
		}
	}
	slices.Sort(team)
	if want := []string{"chronic 1 chronic incident", "trigger Fresh"}; !slices.Equal(team, want) {
		t.Errorf("the team channel got %q, want %q", team, want)
	}
}

// clockAt is hh:mm in Tokyo on the harness's current day.
func (h *harness) clockAt(hh, mm int) time.Time {
	loc, _ := time.LoadLocation("Asia/Tokyo")
	now := h.now().In(loc)
	return time.Date(now.Year(), now.Month(), now.Day(), hh, mm, 0, 0, loc)
}

func TestNoise_ChronicIncidentGoesQuietIntoTheChannelsDigest(t *testing.T) {
	h := newRehearsal(t, noiseConfig, nil)
	old := h.fire("alertname", "KubeCPUOvercommit", "severity", "warning", "service", "cluster")
	old.StartsAt = h.now().Add(-50 * time.Hour)
	old.Annotations = map[string]string{"runbook_url": "https://runbooks.example/overcommit"}
	h.ingest(old)
	h.step()
	if got := h.sounds(); len(got) != 0 {
		t.Fatalf("an alert firing for two days made %v, want no sound", got)
	}
	// The next start of business hours (Thursday 10:00) brings the digest.
	h.run(20 * time.Hour)
	var digest *notify.Notification
	for _, n := range h.delivered() {
		if n.Kind == notify.KindChronic {
			digest = n
		}
	}
	if digest == nil || len(digest.Chronic) != 1 {
		t.Fatalf("no chronic digest with the incident: %+v", digest)
	}
	c := digest.Chronic[0]
	if c.Alert != "KubeCPUOvercommit" || c.Runbook != "https://runbooks.example/overcommit" || c.Firing != 1 || c.Why == "" {
		t.Errorf("digest entry %+v", c)
	}
	if !slices.Equal(h.sounds(), []string{"slack:team post chronic"}) {
		t.Errorf("sounds %v, want the digest only", h.sounds())
	}
	if list, err := h.e.ChronicIncidents(t.Context()); err != nil || len(list["team"]) != 1 {
		t.Errorf("ChronicIncidents = %v, %v; want the incident under team", list, err)
	}
	// A critical alert joining sounds again: the severity rose. (It goes
	// to the on-call route; a warning joins the chronic incident.)
	h.ingest(h.fire("alertname", "KubeMemoryOvercommit", "severity", "warning", "service", "cluster"))
	h.run(5 * time.Minute)
	if n := len(h.sounds()); n != 1 {
		t.Errorf("a warning joining the chronic incident sounded: %v", h.sounds())
	}
}

func TestNoise_CauseAbsorbsTheEffectsThatFiredBeforeIt(t *testing.T) {
	onBothStores(t, func(t *testing.T, st store.Store) {
		h := newRehearsal(t, noiseConfig, st)
		target := []string{"alertname", "TargetDown", "severity", "warning", "service", "ledger", "node", "n1"}
		h.ingest(h.fire(target...))
		h.step()
		h.run(3 * time.Minute)
		node := []string{"alertname", "NodeDown", "severity", "critical", "service", "infra", "node", "n1"}
		h.ingest(h.fire(node...))
		h.step()
		var page, edit *notify.Notification
		for _, n := range h.delivered() {
			switch {
			case n.Kind == notify.KindTrigger && n.Target.Type == "pagerduty":
				page = n
			case n.Kind == notify.KindUpdate && n.Quiet && n.Target.Receiver == "team":
				edit = n
			}
		}
		if page == nil || !strings.Contains(strings.Join(page.Notes, " "), "explains TargetDown") {
			t.Fatalf("the node's page does not say what it explains: %+v", page)
		}
		if edit == nil || !strings.Contains(strings.Join(edit.Notes, " "), "explained by") || !strings.Contains(strings.Join(edit.Notes, " "), page.IncidentID) {
			t.Fatalf("the target's message was not edited to name its cause: %+v", edit)
		}
		// The node recovers, its target with it: nothing more sounds about the
		// target.
		h.run(5 * time.Minute)
		h.ingest(h.resolve(node...))
		h.run(2 * time.Minute)
		h.ingest(h.resolve(target...))
		h.run(15 * time.Minute)
		for _, s := range h.sounds() {
			if strings.HasPrefix(s, "slack:team") && s != "slack:team post trigger" {
				t.Errorf("the absorbed incident sounded again: %s", s)
			}
		}
	})
}

func TestNoise_EffectsRecoveringWithTheirCauseAreNeverAnnounced(t *testing.T) {
	onBothStores(t, func(t *testing.T, st store.Store) {
		h := newRehearsal(t, noiseConfig, st)
		node := []string{"alertname", "NodeDown", "severity", "critical", "service", "infra", "node", "n1"}
		h.ingest(h.fire(node...))
		h.step()
		h.run(time.Minute)
		quick := []string{"alertname", "TargetDown", "severity", "warning", "service", "ledger", "node", "n1"}
		slow := []string{"alertname", "TargetDown", "severity", "warning", "service", "search", "node", "n1"}
		h.ingest(h.fire(quick...), h.fire(slow...))
		h.run(20 * time.Minute)
		h.ingest(h.resolve(node...))
		h.run(3 * time.Minute)
		h.ingest(h.resolve(quick...)) // within the 5-minute hang-over
		h.run(time.Minute)
		var posted []string
		for _, n := range h.delivered() {
			if n.Target.Receiver == "team" && n.Kind == notify.KindTrigger {
				posted = append(posted, n.Members[0].Labels["service"])
			}
		}
		if len(posted) != 0 {
			t.Fatalf("targets were announced within the hang-over: %v", posted)
		}
		h.run(10 * time.Minute)
		posted = nil
		for _, n := range h.delivered() {
			if n.Target.Receiver == "team" && n.Kind == notify.KindTrigger {
				posted = append(posted, n.Members[0].Labels["service"])
			}
		}
		if !slices.Equal(posted, []string{"search"}) {
			t.Errorf("after the hang-over %v were announced, want only the target still down", posted)
		}
	})
}

func TestNoise_EscalationRepliesWhereTheIncidentIsShown(t *testing.T) {
	h := newRehearsal(t, strings.Replace(noiseConfig, `    - matchers: ['severity="critical"']
      receiver: oncall`, `    - matchers: ['severity="critical"']
      receiver: team
      escalate: {after: 15m, receiver: oncall}`, 1), nil)
	h.ingest(h.fire("alertname", "Errors", "severity", "critical", "service", "api"))
	h.step()
	h.run(16 * time.Minute)
	if why := h.lastWhy(notify.KindEscalated); !strings.HasPrefix(why, "escalated to oncall") {
		t.Errorf("the team's thread heard %q, want the escalation", why)
	}
	want := []string{"slack:team post trigger", "pagerduty:oncall page trigger", "slack:oncall post trigger", "slack:team reply escalated"}
	if got := h.sounds(); !slices.Equal(got, want) {
		t.Errorf("sounds %v, want %v", got, want)
	}
}

// onBothStores runs test on the memory store and on a Redis store.
func onBothStores(t *testing.T, test func(t *testing.T, st store.Store)) {
	t.Run("memory", func(t *testing.T) { test(t, nil) })
	t.Run("redis", func(t *testing.T) { test(t, redisStore(t, redistest.Start(t), "noise:")) })
}
