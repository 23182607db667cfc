package pipeline

import (
	"testing"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/router/store/redis/redistest"
)

// watchdogConfig is testConfig with a Watchdog heartbeat every 5 minutes.
const watchdogConfig = testConfig + `heartbeats:
  - name: watchdog
    matchers: ['alertname="Watchdog"']
    interval: 5m
    receiver: oncall
`

// watchdog returns the harness's only heartbeat's status.
func (h *harness) watchdog() HeartbeatStatus {
	h.t.Helper()
	list, err := h.e.Heartbeats(h.t.Context())
	if err != nil || len(list) != 1 {
		h.t.Fatalf("heartbeats: %v %v", list, err)
	}
	return list[0]
}

func TestHeartbeat_StateFollowsArrivalsAndTheDueTime(t *testing.T) {
	h := newHarness(t, watchdogConfig, nil)
	t0 := h.now()
	h.step() // arms it
	watchdog := func() { h.ingest(h.alert(alert.StatusFiring, map[string]string{"alertname": "Watchdog"})) }
	steps := []struct {
		name     string
		do       func()
		state    string
		lastSeen time.Duration // after t0; -1 for none
		due      time.Duration
	}{
		{"armed, none yet", func() {}, HeartbeatWaiting, -1, 5 * time.Minute},
		{"one arrives", func() { h.advance(time.Minute); watchdog() }, HeartbeatOK, time.Minute, 6 * time.Minute},
		{"within its interval", func() { h.advance(4 * time.Minute); h.step() }, HeartbeatOK, time.Minute, 6 * time.Minute},
		{"due, not yet noticed", func() { h.advance(time.Minute) }, HeartbeatLate, time.Minute, 6 * time.Minute},
		{"noticed: paging", func() { h.step() }, HeartbeatMissing, time.Minute, 6 * time.Minute},
		{"still missing", func() { h.advance(10 * time.Minute); h.step() }, HeartbeatMissing, time.Minute, 6 * time.Minute},
		{"back", func() { h.advance(time.Minute); watchdog(); h.step() }, HeartbeatOK, 17 * time.Minute, 22 * time.Minute},
	}
	for _, s := range steps {
		s.do()
		got := h.watchdog()
		wantSeen := time.Time{}
		if s.lastSeen >= 0 {
			wantSeen = t0.Add(s.lastSeen)
		}
		if got.State != s.state || !got.LastSeen.Equal(wantSeen) || !got.Due.Equal(t0.Add(s.due)) || got.Missing != (s.state == HeartbeatMissing) {
			t.Errorf("%s: %s, last seen %v, due %v, missing %v; want %s, %v, %v", s.name, got.State, got.LastSeen, got.Due, got.Missing, s.state, wantSeen, t0.Add(s.due))
		}
	}
}

// A console on one replica shows the arrival another replica saw: the
// last arrival is recorded in the shared store.
func TestHeartbeat_EveryReplicaShowsAnArrivalAnyReplicaSaw(t *testing.T) {
	srv := redistest.Start(t)
	a := newHarness(t, watchdogConfig, redisStore(t, srv, "hb:"))
	b := newHarness(t, watchdogConfig, redisStore(t, srv, "hb:"))
	a.step()
	b.step()
	a.advance(time.Minute)
	b.advance(time.Minute)
	a.ingest(a.alert(alert.StatusFiring, map[string]string{"alertname": "Watchdog"}))
	got := b.watchdog()
	if got.State != HeartbeatOK || !got.LastSeen.Equal(a.now()) || !got.Due.Equal(a.now().Add(5*time.Minute)) {
		t.Errorf("replica b shows %+v, want replica a's arrival at %v, due 5 minutes later", got, a.now())
	}
}
