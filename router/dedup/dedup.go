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
// changes within Window. A flapping alert stays quiet until it has been
// stable for Quiet.
type FlapPolicy struct {
	Transitions int
	Window      time.Duration
	Quiet       time.Duration
}

// DefaultFlapPolicy is 4 transitions in 30 minutes, settled after 15
// quiet minutes.
var DefaultFlapPolicy = FlapPolicy{Transitions: 4, Window: 30 * time.Minute, Quiet: 15 * time.Minute}

// Verdict is the decision about one observation.
type Verdict struct {
	Fingerprint alert.Fingerprint `json:"fingerprint"`
	Action      Action            `json:"action"`
	Reason      incident.Reason   `json:"reason"`
	// Suppressed counts the suppressed observations of this fingerprint
	// so far, this one included.
	Suppressed int `json:"suppressed,omitempty"`
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
	// SettleAt is when a flapping alert counts as stable if nothing
	// changes before then.
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
	st.record(a, now)
	if changed {
		st.Transitions = append(st.Transitions, now)
	}
	st.pruneTransitions(now.Add(-p.Window))
	if st.Flapping {
		if changed {
			st.SettleAt = now.Add(p.Quiet)
		}
		return st.suppress(v, incident.ReasonFlapSuppressed)
	}
	if changed && p.Transitions > 0 && len(st.Transitions) >= p.Transitions {
		st.Flapping = true
		st.SettleAt = now.Add(p.Quiet)
		return st.notify(v, incident.ReasonFlapping, now)
	}
	if a.Status == alert.StatusFiring {
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
		return st.notify(v, incident.ReasonResolved, now)
	case alert.StatusResolved:
		return st.suppress(v, incident.ReasonDuplicate)
	}
	v.Action, v.Reason = Drop, incident.ReasonUnnotified
	return v
}

// Settle ends flapping for an alert that has been stable for the quiet
// period. The second result is false if st is not due.
func Settle(st *AlertState, fp alert.Fingerprint, now time.Time) (Verdict, bool) {
	if !st.Flapping || now.Before(st.SettleAt) {
		return Verdict{}, false
	}
	st.Flapping = false
	st.SettleAt = time.Time{}
	st.Transitions = nil
	return st.notify(Verdict{Fingerprint: fp}, incident.ReasonFlapSettled, now), true
}

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
	i := 0
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
