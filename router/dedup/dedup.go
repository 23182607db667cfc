package dedup

import (
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/incident"
)

// Action is what the pipeline does with an observed alert.
type Action string

// The three outcomes of an observation.
const (
	// Notify: the alert changed in a way people must hear about.
	Notify Action = "notify"
	// Suppress: the alert is known and nothing changed; it is counted.
	Suppress Action = "suppress"
	// Drop: a resolve for something nobody was told about; counted.
	Drop Action = "drop"
)

// FlapPolicy says when an alert counts as flapping: Transitions status
// changes within Window, or LongTransitions within LongWindow (slow
// flapping, in cycles longer than Window allows). A flapping alert stays
// quiet until it has been stable for Quiet, or for its longest recent
// cycle if that is longer, so that slow flapping does not settle between
// two cycles. A resolve that comes less than ResolveHold after the alert
// started firing waits ResolveHold to see whether it stays resolved: an
// alarm that flips back within that time is one episode, not two.
type FlapPolicy struct {
	Transitions int
	Window      time.Duration
	Quiet       time.Duration
	// LongTransitions and LongWindow catch slow flapping; zero
	// LongTransitions turns it off.
	LongTransitions int
	LongWindow      time.Duration
	// ResolveHold holds the resolve of a short episode; zero turns it
	// off.
	ResolveHold time.Duration
}

// DefaultFlapPolicy is 4 transitions in 30 minutes or 8 in 2 hours,
// settled after 15 quiet minutes (or a longest cycle); resolves are not
// held.
var DefaultFlapPolicy = FlapPolicy{
	Transitions: 4, Window: 30 * time.Minute, Quiet: 15 * time.Minute,
	LongTransitions: 8, LongWindow: 2 * time.Hour,
}

// maxTransitions bounds the transitions an alert's state remembers.
const maxTransitions = 64

// horizon is how long transitions are remembered.
func (p FlapPolicy) horizon() time.Duration { return max(p.Window, p.LongWindow) }

// flapping reports whether transitions, oldest first, ending at now make
// an alert flapping.
func (p FlapPolicy) flapping(transitions []time.Time, now time.Time) bool {
	count := func(window time.Duration) int {
		n := 0
		for _, t := range transitions {
			if !t.Before(now.Add(-window)) {
				n++
			}
		}
		return n
	}
	return p.Transitions > 0 && count(p.Window) >= p.Transitions ||
		p.LongTransitions > 0 && count(p.LongWindow) >= p.LongTransitions
}

// quiet is how long a flapping alert must be stable to settle: Quiet, or
// its longest recent cycle (the longest time between two transitions)
// if longer, at most the horizon.
func (p FlapPolicy) quiet(transitions []time.Time) time.Duration {
	q := p.Quiet
	for i := 1; i < len(transitions); i++ {
		q = max(q, transitions[i].Sub(transitions[i-1]))
	}
	if h := p.horizon(); h > 0 && q > h {
		q = h
	}
	return q
}

// Verdict is the decision about one observation.
type Verdict struct {
	Fingerprint alert.Fingerprint `json:"fingerprint"`
	Action      Action            `json:"action"`
	Reason      incident.Reason   `json:"reason"`
	// Suppressed counts the suppressed observations of this fingerprint
	// so far, this one included.
	Suppressed int `json:"suppressed,omitempty"`
	// Scheduled is the earliest flush the observation scheduled for its
	// groups: a new group's first, after its group_wait, or a known
	// group's next. Zero when it scheduled none (its groups were due
	// already, or it joined none): the flusher needs waking only for
	// what is scheduled.
	Scheduled time.Time `json:"scheduled,omitzero"`
}

// AlertState is what the store remembers about one fingerprint.
type AlertState struct {
	Status         alert.Status `json:"status"`
	StartsAt       time.Time    `json:"startsAt"`
	ResolvedAt     time.Time    `json:"resolvedAt"`
	FirstSeen      time.Time    `json:"firstSeen"`
	LastSeen       time.Time    `json:"lastSeen"`
	LastNotified   time.Time    `json:"lastNotified"`
	NotifiedStatus alert.Status `json:"notifiedStatus"`
	Notifications  int          `json:"notifications"`
	Suppressed     int          `json:"suppressed"`
	// Transitions are the times of recent status changes, oldest first,
	// pruned to the flap window.
	Transitions []time.Time `json:"transitions,omitempty"`
	Flapping    bool        `json:"flapping,omitempty"`
	// Held is true while a resolve waits out the policy's ResolveHold.
	Held bool `json:"held,omitempty"`
	// SettleAt is when a flapping alert counts as stable, or a held
	// resolve is notified, if nothing changes before then.
	SettleAt time.Time `json:"settleAt,omitzero"`
}

// Decide applies one observation to st and returns the verdict. It is the
// reference implementation of alertgate's deduplication rules; the Redis
// store's Lua script mirrors it line by line.
func Decide(st *AlertState, a *alert.Alert, repeat time.Duration, p FlapPolicy, now time.Time) Verdict {
	v := Verdict{Fingerprint: a.Fingerprint}
	known := !st.FirstSeen.IsZero()
	if !known {
		st.FirstSeen = now
	}
	st.LastSeen = now
	if known && st.Status == alert.StatusResolved && a.Status == alert.StatusFiring &&
		!a.StartsAt.IsZero() && a.StartsAt.Before(st.ResolvedAt) {
		return st.suppress(v, incident.ReasonStale)
	}
	changed := known && a.Status != st.Status
	firedFor := now.Sub(st.StartsAt)
	st.record(a, now)
	if changed {
		st.Transitions = append(st.Transitions, now)
	}
	st.pruneTransitions(now.Add(-p.horizon()))
	if st.Flapping {
		if changed {
			st.SettleAt = now.Add(p.quiet(st.Transitions))
		}
		return st.suppress(v, incident.ReasonFlapSuppressed)
	}
	if changed && p.flapping(st.Transitions, now) {
		st.Flapping, st.Held = true, false
		st.SettleAt = now.Add(p.quiet(st.Transitions))
		return st.notify(v, incident.ReasonFlapping, now)
	}
	if a.Status == alert.StatusFiring {
		if st.Held {
			// Back before its resolve was told: one episode after all.
			st.Held, st.SettleAt = false, time.Time{}
		}
		switch {
		case st.NotifiedStatus != alert.StatusFiring:
			return st.notify(v, incident.ReasonNew, now)
		case now.Sub(st.LastNotified) >= repeat:
			return st.notify(v, incident.ReasonRepeat, now)
		}
		return st.suppress(v, incident.ReasonDuplicate)
	}
	switch st.NotifiedStatus {
	case alert.StatusFiring:
		if p.ResolveHold > 0 && (st.Held || changed && firedFor < p.ResolveHold) {
			if !st.Held {
				st.Held, st.SettleAt = true, now.Add(p.ResolveHold)
			}
			return st.suppress(v, incident.ReasonResolveHeld)
		}
		return st.notify(v, incident.ReasonResolved, now)
	case alert.StatusResolved:
		return st.suppress(v, incident.ReasonDuplicate)
	}
	v.Action, v.Reason = Drop, incident.ReasonUnnotified
	return v
}

// Settle ends flapping for an alert that has been stable for its quiet
// period, and notifies a held resolve whose hold is over. The second
// result is false if st is not due.
func Settle(st *AlertState, fp alert.Fingerprint, now time.Time) (Verdict, bool) {
	if st.Held && !now.Before(st.SettleAt) {
		st.Held, st.SettleAt = false, time.Time{}
		return st.notify(Verdict{Fingerprint: fp}, incident.ReasonResolved, now), true
	}
	if !st.Flapping || now.Before(st.SettleAt) {
		return Verdict{}, false
	}
	st.Flapping = false
	st.SettleAt = time.Time{}
	st.Transitions = nil
	return st.notify(Verdict{Fingerprint: fp}, incident.ReasonFlapSettled, now), true
}

// Pending reports whether st waits for Settle: flapping, or a resolve
// held.
func (st *AlertState) Pending() bool { return st.Flapping || st.Held }

func (st *AlertState) record(a *alert.Alert, now time.Time) {
	st.Status = a.Status
	if a.Status == alert.StatusFiring {
		if !a.StartsAt.IsZero() {
			st.StartsAt = a.StartsAt
		}
		st.ResolvedAt = time.Time{}
		return
	}
	st.ResolvedAt = a.EndsAt
	if st.ResolvedAt.IsZero() {
		st.ResolvedAt = now
	}
}

func (st *AlertState) pruneTransitions(since time.Time) {
	i := max(0, len(st.Transitions)-maxTransitions)
	for i < len(st.Transitions) && st.Transitions[i].Before(since) {
		i++
	}
	st.Transitions = st.Transitions[i:]
}

func (st *AlertState) notify(v Verdict, r incident.Reason, now time.Time) Verdict {
	st.LastNotified = now
	st.NotifiedStatus = st.Status
	st.Notifications++
	v.Action, v.Reason = Notify, r
	return v
}

func (st *AlertState) suppress(v Verdict, r incident.Reason) Verdict {
	st.Suppressed++
	v.Action, v.Reason, v.Suppressed = Suppress, r, st.Suppressed
	return v
}
