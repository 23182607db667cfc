package dedup

import (
	"testing"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/incident"
)

var (
	t0     = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	policy = FlapPolicy{Transitions: 4, Window: 30 * time.Minute, Quiet: 15 * time.Minute}
)

const repeat = 4 * time.Hour

func at(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }

func observed(status alert.Status, startsAt time.Time) *alert.Alert {
	a := &alert.Alert{Fingerprint: "fp", Status: status, StartsAt: startsAt}
	if status == alert.StatusResolved {
		a.EndsAt = startsAt.Add(time.Minute)
	}
	return a
}

// state builds the remembered state of an alert.
type state func(*AlertState)

func unknown(*AlertState) {}

func notifiedFiring(at time.Time) state {
	return func(st *AlertState) {
		*st = AlertState{Status: alert.StatusFiring, StartsAt: t0, FirstSeen: t0, LastSeen: at, LastNotified: at, NotifiedStatus: alert.StatusFiring, Notifications: 1}
	}
}

func notifiedResolved(resolvedAt time.Time) state {
	return func(st *AlertState) {
		*st = AlertState{Status: alert.StatusResolved, StartsAt: t0, ResolvedAt: resolvedAt, FirstSeen: t0, LastSeen: resolvedAt, LastNotified: resolvedAt, NotifiedStatus: alert.StatusResolved, Notifications: 2}
	}
}

func flapping(settleAt time.Time) state {
	return func(st *AlertState) {
		*st = AlertState{Status: alert.StatusFiring, FirstSeen: t0, LastSeen: at(20), NotifiedStatus: alert.StatusFiring, Flapping: true, SettleAt: settleAt, Transitions: []time.Time{at(5), at(10), at(15), at(20)}}
	}
}

// threeTransitions has changed status three times in the flap window and
// is firing.
func threeTransitions(st *AlertState) {
	*st = AlertState{Status: alert.StatusResolved, FirstSeen: t0, LastSeen: at(15), LastNotified: at(15), NotifiedStatus: alert.StatusResolved, ResolvedAt: at(15),
		Transitions: []time.Time{at(5), at(10), at(15)}}
}

func TestDecide(t *testing.T) {
	tests := []struct {
		name   string
		state  state
		obs    *alert.Alert
		now    time.Time
		action Action
		reason incident.Reason
	}{
		{"a new firing alert notifies", unknown, observed(alert.StatusFiring, t0), t0, Notify, incident.ReasonNew},
		{"an HA twin within the repeat interval is a duplicate", notifiedFiring(t0), observed(alert.StatusFiring, t0), at(1), Suppress, incident.ReasonDuplicate},
		{"a re-send just before the repeat interval is a duplicate", notifiedFiring(t0), observed(alert.StatusFiring, t0), t0.Add(repeat - time.Second), Suppress, incident.ReasonDuplicate},
		{"still firing after the repeat interval repeats", notifiedFiring(t0), observed(alert.StatusFiring, t0), t0.Add(repeat), Notify, incident.ReasonRepeat},
		{"a resolve after a notified firing notifies", notifiedFiring(t0), observed(alert.StatusResolved, t0), at(10), Notify, incident.ReasonResolved},
		{"a second resolve is a duplicate", notifiedResolved(at(10)), observed(alert.StatusResolved, t0), at(11), Suppress, incident.ReasonDuplicate},
		{"a resolve nobody heard fire is dropped", unknown, observed(alert.StatusResolved, t0), t0, Drop, incident.ReasonUnnotified},
		{"a late firing of an episode already resolved is stale", notifiedResolved(at(10)), observed(alert.StatusFiring, t0), at(11), Suppress, incident.ReasonStale},
		{"firing again after a resolve is new", notifiedResolved(at(10)), observed(alert.StatusFiring, at(20)), at(20), Notify, incident.ReasonNew},
		{"the fourth transition in the window starts flapping", threeTransitions, observed(alert.StatusFiring, at(20)), at(20), Notify, incident.ReasonFlapping},
		{"a transition while flapping is suppressed", flapping(at(35)), observed(alert.StatusResolved, at(20)), at(25), Suppress, incident.ReasonFlapSuppressed},
		{"a re-send while flapping is suppressed", flapping(at(35)), observed(alert.StatusFiring, at(20)), at(25), Suppress, incident.ReasonFlapSuppressed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var st AlertState
			tt.state(&st)
			v := Decide(&st, tt.obs, repeat, policy, tt.now)
			if v.Action != tt.action || v.Reason != tt.reason || v.Fingerprint != "fp" {
				t.Errorf("Decide = %s/%s, want %s/%s", v.Action, v.Reason, tt.action, tt.reason)
			}
			if !st.LastSeen.Equal(tt.now) {
				t.Errorf("LastSeen = %s, want now", st.LastSeen)
			}
			if v.Action == Notify && (!st.LastNotified.Equal(tt.now) || st.NotifiedStatus != st.Status) {
				t.Errorf("after notifying: LastNotified %s, NotifiedStatus %s; want now and %s", st.LastNotified, st.NotifiedStatus, st.Status)
			}
			if v.Action == Suppress && v.Suppressed != st.Suppressed {
				t.Errorf("Suppressed = %d, state counts %d", v.Suppressed, st.Suppressed)
			}
		})
	}
}

func TestDecide_ATransitionWhileFlappingPostponesSettling(t *testing.T) {
	var st AlertState
	flapping(at(35))(&st)
	Decide(&st, observed(alert.StatusResolved, at(20)), repeat, policy, at(30))
	if !st.SettleAt.Equal(at(30).Add(policy.Quiet)) {
		t.Errorf("SettleAt = %s, want quiet after the last transition", st.SettleAt)
	}
	Decide(&st, observed(alert.StatusResolved, at(20)), repeat, policy, at(40))
	if !st.SettleAt.Equal(at(45)) {
		t.Errorf("a re-send without a transition moved SettleAt to %s", st.SettleAt)
	}
}

func TestDecide_TransitionsOutsideTheWindowAreForgotten(t *testing.T) {
	var st AlertState
	threeTransitions(&st)
	v := Decide(&st, observed(alert.StatusFiring, at(50)), repeat, policy, at(50))
	if v.Reason != incident.ReasonNew || len(st.Transitions) != 1 || !st.Transitions[0].Equal(at(50)) {
		t.Errorf("verdict %s with transitions %v: want new, the transitions older than the window dropped", v.Reason, st.Transitions)
	}
}

func TestSettle(t *testing.T) {
	tests := []struct {
		name  string
		state state
		now   time.Time
		want  bool
	}{
		{"a flapping alert stable for the quiet period settles", flapping(at(35)), at(35), true},
		{"not before the quiet period", flapping(at(35)), at(34), false},
		{"an alert that does not flap does not settle", notifiedFiring(t0), at(60), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var st AlertState
			tt.state(&st)
			v, ok := Settle(&st, "fp", tt.now)
			if ok != tt.want {
				t.Fatalf("Settle = %v, want %v", ok, tt.want)
			}
			if !ok {
				return
			}
			if v.Action != Notify || v.Reason != incident.ReasonFlapSettled || st.Flapping || len(st.Transitions) != 0 || !st.SettleAt.IsZero() {
				t.Errorf("after settling: %+v, state %+v", v, st)
			}
		})
	}
}

func TestFlapPolicy_SlowFlappingAndItsQuietPeriod(t *testing.T) {
	p := FlapPolicy{Transitions: 4, Window: 30 * time.Minute, Quiet: 15 * time.Minute, LongTransitions: 6, LongWindow: 2 * time.Hour}
	slow := []time.Time{at(0), at(20), at(40), at(60), at(80), at(100)}
	if p.flapping(slow[:5], at(80)) {
		t.Error("five transitions 20 minutes apart flap, want six in two hours")
	}
	if !p.flapping(slow, at(100)) {
		t.Error("six transitions in 100 minutes do not flap on the long horizon")
	}
	if q := p.quiet(slow); q != 20*time.Minute {
		t.Errorf("quiet = %s, want the 20-minute cycle", q)
	}
	if q := p.quiet([]time.Time{at(0), at(1)}); q != p.Quiet {
		t.Errorf("quiet of fast flapping = %s, want %s", q, p.Quiet)
	}
}

func TestDecide_TransitionsAreBounded(t *testing.T) {
	p := FlapPolicy{Transitions: 0, Window: 30 * time.Minute, Quiet: time.Minute, LongWindow: 48 * time.Hour}
	var st AlertState
	for i := range 200 {
		status := alert.StatusFiring
		if i%2 == 1 {
			status = alert.StatusResolved
		}
		Decide(&st, observed(status, at(i)), repeat, p, at(i))
	}
	if len(st.Transitions) > maxTransitions {
		t.Errorf("%d transitions remembered, want at most %d", len(st.Transitions), maxTransitions)
	}
}
