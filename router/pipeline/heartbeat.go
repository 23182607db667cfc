package pipeline

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/config"
	"github.com/alertgate/alertgate/incident"
	"github.com/alertgate/alertgate/router/store"
)

// Heartbeats are dead-man's switches (config.Heartbeat). Each has a
// durable timer in the store (a store.Timer keyed "heartbeat:<name>"),
// pushed back by every heartbeat that arrives, on whichever replica; a
// timer that comes due is claimed by one replica, which raises the
// HeartbeatMissing alert through the normal pipeline — deduplicated,
// grouped, muted by silences, enriched, delivered through the outbox —
// and arms the timer again, so the alert stays firing until the
// heartbeat is back, which resolves it.

// heartbeatPrefix starts the group and timer keys of heartbeats.
const heartbeatPrefix = "heartbeat:"

// AlertHeartbeatMissing is the name of the alert a missing heartbeat
// raises.
const AlertHeartbeatMissing = "HeartbeatMissing"

// heartbeats is the engine's heartbeat state on this replica.
type heartbeats struct {
	mu sync.Mutex
	// armed are the heartbeats this replica has armed since it started
	// (or since their configuration changed).
	armed map[string]config.Heartbeat
	// lastSeen is when this replica last saw each heartbeat, pushed is
	// when it last pushed its timer back, and armedAt when it armed it.
	lastSeen, pushed, armedAt map[string]time.Time
}

// HeartbeatStatus is a heartbeat as the console shows it.
type HeartbeatStatus struct {
	Name     string        `json:"name"`
	Receiver string        `json:"receiver"`
	Interval time.Duration `json:"interval"`
	// Missing is true while its HeartbeatMissing alert fires.
	Missing bool `json:"missing"`
	// LastSeen is when it last arrived, on this replica or, as recorded
	// in the store to within the timer's push period, on any other; zero
	// if none has been seen since this replica started.
	LastSeen time.Time `json:"lastSeen,omitzero"`
	// Due is when the next must arrive by: Interval after the last
	// arrival (or after the heartbeat was armed, when none came yet).
	Due time.Time `json:"due,omitzero"`
	// State is HeartbeatOK, HeartbeatWaiting, HeartbeatLate or
	// HeartbeatMissing.
	State string `json:"state"`
}

// Heartbeat states.
const (
	// HeartbeatOK: it arrived within its interval.
	HeartbeatOK = "ok"
	// HeartbeatWaiting: none seen since this replica started, and it is
	// not due yet.
	HeartbeatWaiting = "waiting"
	// HeartbeatLate: it is past due; the engine raises its
	// HeartbeatMissing alert on its next tick.
	HeartbeatLate = "late"
	// HeartbeatMissing: its HeartbeatMissing alert fires, paging the
	// heartbeat's receiver.
	HeartbeatMissing = "missing"
)

// heartbeatSeenPrefix starts the cache keys of heartbeats' last
// arrivals, which every replica writes when it pushes a timer back, so
// that each console shows arrivals any replica saw.
const heartbeatSeenPrefix = "heartbeat-seen:"

// heartbeatSeenTTL is how long a heartbeat's last arrival is kept.
const heartbeatSeenTTL = 90 * 24 * time.Hour

func heartbeatKey(name string) string { return heartbeatPrefix + name }

// heartbeatsSeen pushes back the timers of the heartbeats among alerts,
// and resolves the missing alert of one that is back. A timer is pushed
// at most every tenth of its interval per replica: a source heartbeat is
// every request of that source.
func (e *Engine) heartbeatsSeen(ctx context.Context, now time.Time, src alert.Source, alerts []alert.Alert) {
	cfg := e.setup.Load().cfg
	for _, hb := range cfg.Heartbeats {
		if !beats(&hb, src, alerts) {
			continue
		}
		e.hb.mu.Lock()
		e.hb.lastSeen[hb.Name] = now
		due := now.Sub(e.hb.pushed[hb.Name]) >= min(time.Duration(hb.Interval)/10, 30*time.Second)
		if due {
			e.hb.pushed[hb.Name] = now
		}
		e.hb.mu.Unlock()
		if !due {
			continue
		}
		if err := e.opts.Store.ScheduleTimer(ctx, store.Timer{Group: heartbeatKey(hb.Name), Receiver: hb.Receiver, At: now.Add(time.Duration(hb.Interval))}); err != nil {
			e.log.Warn("heartbeat seen but its timer was not pushed back", "heartbeat", hb.Name, "err", err)
			continue
		}
		if err := e.opts.Store.CacheSet(ctx, now, heartbeatSeenPrefix+hb.Name, []byte(now.UTC().Format(time.RFC3339Nano)), heartbeatSeenTTL); err != nil {
			e.log.Warn("heartbeat seen but its arrival was not recorded for the console", "heartbeat", hb.Name, "err", err)
		}
		g, found, err := e.opts.Store.Group(ctx, heartbeatKey(hb.Name))
		if err == nil && found && g.Firing() {
			e.log.Info("heartbeat is back", "heartbeat", hb.Name)
			e.raise(ctx, now, &hb, alert.StatusResolved)
		}
	}
}

// beats reports whether alerts of src include a heartbeat of hb.
func beats(hb *config.Heartbeat, src alert.Source, alerts []alert.Alert) bool {
	if hb.Source != "" && string(src) != hb.Source {
		return false
	}
	if len(hb.Matchers) == 0 {
		return len(alerts) > 0
	}
	for i := range alerts {
		if alerts[i].Firing() && matchAll(hb, alerts[i].Labels) {
			return true
		}
	}
	return false
}

func matchAll(hb *config.Heartbeat, ls map[string]string) bool {
	for _, m := range hb.Matchers {
		if !m.Matches(ls[m.Name]) {
			return false
		}
	}
	return true
}

// tickHeartbeats arms the timers of heartbeats this replica has not armed
// yet — a heartbeat that never arrives must be missed too — for one
// interval from now. Called on each flusher tick.
func (e *Engine) tickHeartbeats(ctx context.Context, now time.Time) {
	cfg := e.setup.Load().cfg
	e.hb.mu.Lock()
	var todo []config.Heartbeat
	for _, hb := range cfg.Heartbeats {
		if cur, ok := e.hb.armed[hb.Name]; !ok || cur.Interval != hb.Interval || cur.Receiver != hb.Receiver {
			todo = append(todo, hb)
		}
	}
	e.hb.mu.Unlock()
	for _, hb := range todo {
		if err := e.opts.Store.ScheduleTimer(ctx, store.Timer{Group: heartbeatKey(hb.Name), Receiver: hb.Receiver, At: now.Add(time.Duration(hb.Interval))}); err != nil {
			e.log.Warn("arming a heartbeat failed; retried on the next tick", "heartbeat", hb.Name, "err", err)
			continue
		}
		e.hb.mu.Lock()
		e.hb.armed[hb.Name], e.hb.armedAt[hb.Name] = hb, now
		e.hb.mu.Unlock()
	}
}

// heartbeatDue handles a claimed timer if it is a heartbeat's, and
// reports whether it was: the heartbeat did not arrive in time.
func (e *Engine) heartbeatDue(ctx context.Context, now time.Time, t store.Timer) bool {
	name, ok := strings.CutPrefix(t.Group, heartbeatPrefix)
	if !ok {
		return false
	}
	var hb *config.Heartbeat
	for _, h := range e.setup.Load().cfg.Heartbeats {
		if h.Name == name {
			hb = &h
		}
	}
	// Completing first: if the heartbeat arrived meanwhile, its new timer
	// took the lease away, and nothing is missing.
	err := e.opts.Store.CompleteTimer(ctx, now, t, nil)
	switch {
	case errors.Is(err, store.ErrLeaseLost):
		return true
	case err != nil:
		e.log.Warn("heartbeat timer not completed; retried when its lease expires", "heartbeat", name, "err", err)
		return true
	case hb == nil:
		return true // no longer configured
	}
	e.log.Warn("heartbeat missing", "heartbeat", name, "interval", hb.Interval, "receiver", hb.Receiver)
	e.raise(ctx, now, hb, alert.StatusFiring)
	// Armed again, so the alert stays firing (and repeats) until the
	// heartbeat is back.
	if err := e.opts.Store.ScheduleTimer(ctx, store.Timer{Group: t.Group, Receiver: hb.Receiver, At: now.Add(time.Duration(hb.Interval))}); err != nil {
		e.log.Warn("re-arming a missing heartbeat failed", "heartbeat", name, "err", err)
	}
	return true
}

// raise observes the heartbeat's HeartbeatMissing alert, firing or
// resolved, in its own group for the heartbeat's receiver.
func (e *Engine) raise(ctx context.Context, now time.Time, hb *config.Heartbeat, status alert.Status) {
	cfg := e.setup.Load().cfg
	what := hb.Source
	if len(hb.Matchers) > 0 {
		ms := make([]string, len(hb.Matchers))
		for i, m := range hb.Matchers {
			ms[i] = m.String()
		}
		what = "{" + strings.Join(ms, ", ") + "}"
		if hb.Source != "" {
			what += " from " + hb.Source
		}
	}
	a := alert.Alert{
		Source:   alert.SourceAlertgate,
		Name:     AlertHeartbeatMissing,
		Status:   status,
		Severity: alert.SeverityCritical,
		Labels:   map[string]string{"heartbeat": hb.Name},
		Annotations: map[string]string{
			"summary":     fmt.Sprintf("Heartbeat %s missing: nothing for %s", hb.Name, hb.Interval),
			"description": fmt.Sprintf("alertgate expects alerts matching %s at least every %s. None arrived, so whatever sends them (Prometheus, Alertmanager, the network, or a webhook's credentials) may be broken, and real alerts may be lost too.", what, hb.Interval),
		},
		StartsAt:    now.Add(-time.Duration(hb.Interval)),
		Fingerprint: alert.NewFingerprint(alert.SourceAlertgate, "heartbeat", hb.Name),
	}
	if status == alert.StatusResolved {
		a.EndsAt = now
	}
	a.Normalize()
	ref := incident.GroupRef{Key: heartbeatKey(hb.Name), Route: heartbeatKey(hb.Name), Receiver: hb.Receiver,
		Labels: map[string]string{"heartbeat": hb.Name}, Interval: time.Minute}
	obs := []store.Observation{{Alert: a, RepeatInterval: time.Duration(cfg.Dedup.RepeatInterval), Groups: []incident.GroupRef{ref}}}
	verdicts, err := e.opts.Store.Observe(ctx, now, obs)
	if err != nil {
		e.log.Error("raising the heartbeat alert failed", "heartbeat", hb.Name, "status", status, "err", err)
		return
	}
	for i, v := range verdicts {
		e.recordDecision(ctx, alert.SourceAlertgate, &obs[i].Alert, v)
	}
	e.flusher.kickNow()
}

// Heartbeats reports each configured heartbeat's state.
func (e *Engine) Heartbeats(ctx context.Context) ([]HeartbeatStatus, error) {
	now := e.opts.Now()
	var out []HeartbeatStatus
	for _, hb := range e.setup.Load().cfg.Heartbeats {
		g, found, err := e.opts.Store.Group(ctx, heartbeatKey(hb.Name))
		if err != nil {
			return nil, fmt.Errorf("heartbeat %s: %w", hb.Name, err)
		}
		st := HeartbeatStatus{Name: hb.Name, Receiver: hb.Receiver, Interval: time.Duration(hb.Interval), Missing: found && g.Firing()}
		e.hb.mu.Lock()
		st.LastSeen = e.hb.lastSeen[hb.Name]
		timerFrom := later(e.hb.pushed[hb.Name], e.hb.armedAt[hb.Name])
		e.hb.mu.Unlock()
		// A failed read leaves this replica's own view, which is enough
		// to show.
		if b, ok, err := e.opts.Store.CacheGet(ctx, now, heartbeatSeenPrefix+hb.Name); err == nil && ok {
			if t, err := time.Parse(time.RFC3339Nano, string(b)); err == nil {
				st.LastSeen, timerFrom = later(st.LastSeen, t), later(timerFrom, t)
			}
		}
		if !timerFrom.IsZero() {
			st.Due = timerFrom.Add(st.Interval)
		}
		st.State = heartbeatState(&st, now)
		out = append(out, st)
	}
	return out, nil
}

// heartbeatState is the state of st at now.
func heartbeatState(st *HeartbeatStatus, now time.Time) string {
	switch {
	case st.Missing:
		return HeartbeatMissing
	case !st.Due.IsZero() && !now.Before(st.Due):
		return HeartbeatLate
	case st.LastSeen.IsZero():
		return HeartbeatWaiting
	}
	return HeartbeatOK
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
