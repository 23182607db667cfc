package pipeline

import (
	"context"
	"fmt"
	"maps"
	"sync"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/incident"
	"github.com/alertgate/alertgate/router/notify"
	"github.com/alertgate/alertgate/rules"
)

// The noise policy decides which notifications make a sound: a page, a
// new post, a thread reply. Everything else is a silent edit of what the
// targets already show (or nothing, where they show nothing).
//
//   - A new incident sounds, unless it is chronic and less than critical.
//     A less than critical one that opens outside its route's sound
//     intervals waits for the next (it is held, as a muted route holds
//     its alerts).
//   - Membership churn of an open incident is silent; a digest of it
//     sounds at most once per the route's digest interval.
//   - A responder must hear when the severity rises, the incident starts
//     or stops flapping, resolves, is acknowledged or escalated.
//   - A chronic incident (firing for longer than the route's chronic age,
//     or every alert of it has, or over its sounds a day) makes no sound
//     but for a raised severity: its channel's chronic digest lists it.
//   - Outside the route's sound intervals only critical incidents sound.

// soundsCounter counts the sounds of one day of a group's lineage (see
// lineage), for the chronic budget.
func soundsCounter(lineage string) string { return "sounds:" + lineage }

// lineage names the incidents a group forms over time: its key, which
// stays the same each time the group forms again, or for a correlated
// incident (a new key each time) its route and service. The chronic
// budget counts sounds per lineage, so that an alert that keeps coming
// back, each time a short incident of its own, goes chronic too.
func lineage(fl *incident.Flush) string {
	if _, ok := fl.Group.Labels[correlatedLabel]; !ok {
		return fl.Group.Key
	}
	labels := maps.Clone(fl.Group.Labels)
	delete(labels, correlatedLabel)
	return rules.GroupKey(fl.Group.Route, labels)
}

// voice decides whether a flush's notification sounds: it sets Quiet, and
// Why when the sound is not its kind's alone.
func (e *Engine) voice(ctx context.Context, rs *rules.Rules, route *rules.Route, fl *incident.Flush, n *notify.Notification, now time.Time, reads *batchReads) {
	pol := route.Noise
	chronic, why := e.chronic(pol, fl, now)
	raised := e.raised(ctx, fl, raisedTo(fl.Members))
	loud := false
	switch n.Kind {
	case notify.KindTrigger:
		loud = !chronic || n.Severity == alert.SeverityCritical
	case notify.KindResolve:
		loud = !chronic
		if changedWith(fl.Members, incident.ReasonFlapSettled) {
			n.Why = "stable again after flapping"
		}
	case notify.KindUpdate:
		switch {
		case raised != "":
			loud, n.Why = true, "severity raised to "+string(raised)
		case changedWith(fl.Members, incident.ReasonFlapping):
			loud, n.Why = !chronic, "flapping: its changes are held back until it is stable"
		case changedWith(fl.Members, incident.ReasonFlapSettled):
			loud, n.Why = !chronic, "stable again after flapping"
		}
	}
	if loud && !rs.Sounds(route, n.Severity, now) {
		loud = false
	}
	if loud && raised == "" {
		if cause, ok := e.absorbed(ctx, reads, fl.Group.Key, now); ok {
			loud = false
			n.Notes = appendOnce(n.Notes, "explained by incident "+cause+", where it is followed")
		}
	}
	if loud && raised == "" && pol.ChronicSounds > 0 {
		if over, sounds := e.overBudget(ctx, reads, lineage(fl), pol.ChronicSounds, now); over {
			loud, chronic, why = false, true, fmt.Sprintf("%d sounds today", sounds)
		}
	}
	n.Quiet = !loud
	if chronic {
		n.Notes = appendOnce(n.Notes, "chronic ("+why+"): its own messages are quiet; it is listed in the channel's chronic digest")
	}
}

// chronic reports whether an incident is chronic by age: open for longer
// than the policy's age, or every alert of it firing for longer. The
// budget of sounds is looked at only when a sound is due (overBudget).
func (e *Engine) chronic(pol rules.NoisePolicy, fl *incident.Flush, now time.Time) (bool, string) {
	if pol.ChronicAfter <= 0 {
		return false, ""
	}
	if !fl.Opened.IsZero() && now.Sub(fl.Opened) >= pol.ChronicAfter {
		return true, "open for " + roundDuration(now.Sub(fl.Opened))
	}
	var youngest time.Time
	considered := 0
	for _, m := range fl.Members {
		if m.Alert.Status != alert.StatusFiring {
			continue
		}
		considered++
		if m.Alert.StartsAt.IsZero() {
			return false, ""
		}
		if m.Alert.StartsAt.After(youngest) {
			youngest = m.Alert.StartsAt
		}
	}
	if considered > 0 && now.Sub(youngest) >= pol.ChronicAfter {
		return true, "firing for " + roundDuration(now.Sub(youngest))
	}
	return false, ""
}

// overBudget reports whether a lineage made its day's budget of sounds
// already. A store that cannot answer leaves the sound on.
func (e *Engine) overBudget(ctx context.Context, reads *batchReads, id string, budget int, now time.Time) (bool, int64) {
	n, err := e.sounds(ctx, reads, id, now)
	if err != nil {
		e.log.Warn("reading the sounds counter failed; letting the sound through", "incident", id, "err", err)
		return false, 0
	}
	return n >= int64(budget), n
}

// raised confirms that an incident was never shown at the severity a
// flush may raise it to (raisedTo): its record keeps the highest
// severity any of its notifications had. Alerts of a higher severity
// that come and go sound the first time only. A store that cannot answer
// lets the sound through.
func (e *Engine) raised(ctx context.Context, fl *incident.Flush, to alert.Severity) alert.Severity {
	if to == "" {
		return ""
	}
	inc, _, found, err := e.opts.Store.Incident(ctx, fl.IncidentID())
	if err != nil || !found || to.Rank() > inc.Severity.Rank() {
		return to
	}
	return ""
}

// raisedTo returns the severity a flush may raise its incident to: that
// of alerts firing for the first time in it, when higher than that of
// every alert it showed firing before; "" when it raises nothing (or
// shows nothing yet).
func raisedTo(members []incident.Member) alert.Severity {
	var shown, fresh alert.Severity
	shownAny := false
	for _, m := range members {
		switch {
		case m.Flushed == alert.StatusFiring:
			shown, shownAny = shown.Max(m.Alert.Severity), true
		case m.Changed() && m.Alert.Status == alert.StatusFiring:
			fresh = fresh.Max(m.Alert.Severity)
		}
	}
	if shownAny && fresh.Rank() > shown.Rank() {
		return fresh
	}
	return ""
}

// changedWith reports whether a member has news of the given reason.
func changedWith(members []incident.Member, r incident.Reason) bool {
	for _, m := range members {
		if m.Reason == r {
			return true
		}
	}
	return false
}

// churned reports whether members joined or left since the last flush.
func churned(members []incident.Member) bool {
	for _, m := range members {
		if m.Reason == incident.ReasonNew || m.Reason == incident.ReasonResolved {
			return true
		}
	}
	return false
}

// hold says until when a notification must wait: a new incident, less
// than critical, outside its route's sound intervals waits for the next
// one, looked at again at least every group interval so that one that
// resolves meanwhile is dropped.
func (f *flusher) hold(rs *rules.Rules, route *rules.Route, n *notify.Notification, interval time.Duration, now time.Time) (time.Time, bool) {
	if n.Kind != notify.KindTrigger || rs.Sounds(route, n.Severity, now) {
		return time.Time{}, false
	}
	next := f.next.get("sound", rs, route, now, rs.NextSound)
	return earlier(next, now.Add(interval)), true
}

// wake is when a group whose members were all muted is looked at again:
// after its group interval, or when its route's time intervals stop
// muting it, if sooner, so that what they held is told on time.
func (f *flusher) wake(rs *rules.Rules, route *rules.Route, muted []mutedMember, interval time.Duration, now time.Time) time.Time {
	at := now.Add(interval)
	if route == nil {
		return at
	}
	for _, m := range muted {
		if m.stage.kind == mutedTimeInterval {
			return earlier(f.next.get("unmuted", rs, route, now, rs.NextUnmuted), at)
		}
	}
	return at
}

// nextTimes remembers, for the minute they were asked in, the next
// times a route sounds or is unmuted: every held group of a route asks
// the same question, and the answer takes a scan of the calendar.
type nextTimes struct {
	mu      sync.Mutex
	rules   *rules.Rules
	minute  time.Time
	answers map[string]time.Time
}

// get returns compute(route, now), from memory when it was computed in
// the same minute under the same rules.
func (c *nextTimes) get(kind string, rs *rules.Rules, route *rules.Route, now time.Time, compute func(*rules.Route, time.Time) time.Time) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	minute := now.Truncate(time.Minute)
	if c.rules != rs || !c.minute.Equal(minute) {
		c.rules, c.minute, c.answers = rs, minute, map[string]time.Time{}
	}
	key := kind + "\x00" + route.ID
	t, ok := c.answers[key]
	if !ok {
		t = compute(route, minute)
		c.answers[key] = t
	}
	if t.Before(now) {
		t = now
	}
	return earlier(t, now.Add(horizonCap))
}

// horizonCap bounds how far a held group is put off, whatever the
// calendar says.
const horizonCap = 10 * 24 * time.Hour

// untold returns the muted members that can never be told: resolved
// before anyone was told they fired. Completing a flush of them drops
// them, so a held group does not outlive its alerts.
func untold(muted []mutedMember) []incident.Member {
	var out []incident.Member
	for _, m := range muted {
		if m.member.Alert.Status == alert.StatusResolved && m.member.Flushed == "" {
			out = append(out, m.member)
		}
	}
	return out
}

func earlier(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// roundDuration is d to the minute, as people say it ("6h12m0s" is
// "6h12m").
func roundDuration(d time.Duration) string {
	d = d.Round(time.Minute)
	h, m := d/time.Hour, (d%time.Hour)/time.Minute
	switch {
	case h >= 24:
		return fmt.Sprintf("%dd%dh", h/24, h%24)
	case h > 0:
		return fmt.Sprintf("%dh%02dm", h, m)
	}
	return fmt.Sprintf("%dm", m)
}
