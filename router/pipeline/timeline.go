package pipeline

import (
	"context"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/incident"
	"github.com/alertgate/alertgate/router/notify"
)

// recordFlush writes what a flush did to its incident's timeline: members
// that were detected, resolved, started flapping or were held back, and
// the incident's facts. A flush that tells nothing and records no event
// leaves no trace.
func (e *Engine) recordFlush(ctx context.Context, now time.Time, fl *incident.Flush, visible []incident.Member, muted []mutedMember, proto *notify.Notification) {
	id := fl.IncidentID()
	if id == "" {
		return
	}
	u := incident.Incident{ID: id, Group: fl.Group.Key, Receiver: fl.Group.Receiver, Labels: fl.Group.Labels, Opened: fl.Opened, Service: fl.Group.Labels[alert.LabelService], Status: incident.StatusOpen}
	var events []incident.Event
	for _, m := range visible {
		a := &m.Alert
		u.StartsAt = earliest(u.StartsAt, a.StartsAt)
		if u.Service == "" {
			u.Service = a.Labels[alert.LabelService]
		}
		events = append(events, memberEvents(m)...)
	}
	for _, mm := range muted {
		if mm.member.Changed() && mm.stage.event != "" {
			events = append(events, incident.Event{At: now, Type: mm.stage.event, Fingerprint: mm.member.Alert.Fingerprint, Alert: mm.member.Alert.Name, Detail: mm.by})
		}
	}
	if proto != nil {
		u.Title, u.Severity = proto.Title, proto.Severity
		if rb := proto.Enrichment.Runbook; rb != nil {
			u.Runbook = rb.ID
		}
		if proto.Kind == notify.KindResolve {
			u.Status, u.ResolvedAt = incident.StatusResolved, recoveredAt(visible, now)
			events = append(events, incident.Event{At: u.ResolvedAt, Type: incident.EventResolved, Detail: "all alerts of the incident resolved"})
		}
	}
	if proto == nil && len(visible) > 0 && allResolved(visible) {
		// Every alert resolved before the first flush: nobody was told,
		// but the incident is over and needs its title.
		n := assemble(fl, notify.KindResolve, now)
		u.Title, u.Severity = n.Title, n.Severity
		u.Status, u.ResolvedAt = incident.StatusResolved, recoveredAt(visible, now)
		events = append(events, incident.Event{At: u.ResolvedAt, Type: incident.EventResolved, Detail: "all alerts of the incident resolved before anyone was notified"})
	}
	if proto == nil && len(events) == 0 {
		return
	}
	if err := e.opts.Store.RecordIncident(ctx, u, events...); err != nil {
		e.log.Warn("recording the incident timeline failed", "incident", id, "err", err)
	}
}

func allResolved(members []incident.Member) bool {
	for _, m := range members {
		if m.Alert.Status != alert.StatusResolved {
			return false
		}
	}
	return true
}

// memberEvents are the timeline events of one member's news.
func memberEvents(m incident.Member) []incident.Event {
	a := &m.Alert
	ev := func(at time.Time, t incident.EventType, detail string) incident.Event {
		return incident.Event{At: at, Type: t, Fingerprint: a.Fingerprint, Alert: a.Name, Detail: detail}
	}
	switch {
	case m.Reason == incident.ReasonFlapping:
		return []incident.Event{ev(m.Joined, incident.EventFlapping, "transitions held back until it is stable")}
	case a.Status == alert.StatusResolved && m.Changed():
		return []incident.Event{ev(orTime(a.EndsAt, m.Joined), incident.EventResolved, "")}
	case m.Flushed == "" && m.Changed():
		detected := string(a.Source)
		if why := a.Annotations[correlationAnnotation]; why != "" {
			detected += "; joined: " + why
		}
		return []incident.Event{ev(a.StartsAt, incident.EventOccurred, a.Summary()), ev(m.Joined, incident.EventDetected, detected)}
	}
	return nil
}

// recordDelivery notes on the timeline that a target accepted a
// notification, and who was on call.
func (e *Engine) recordDelivery(ctx context.Context, now time.Time, n *notify.Notification) {
	if n.IncidentID == "" {
		return
	}
	u := incident.Incident{ID: n.IncidentID, Notified: now}
	if n.Kind == notify.KindAcknowledge || n.Kind == notify.KindResolve {
		u = incident.Incident{ID: n.IncidentID}
	}
	ev := incident.Event{At: now, Type: incident.EventNotified, Target: n.Target.String(), Actor: n.Enrichment.OnCall, Detail: string(n.Kind)}
	if err := e.opts.Store.RecordIncident(ctx, u, ev); err != nil {
		e.log.Warn("recording the delivery failed", "incident", n.IncidentID, "err", err)
	}
}

// recordEvent writes one event, and what it changes, to the timeline of
// the incident a group's flush belongs to.
func (e *Engine) recordEvent(ctx context.Context, fl *incident.Flush, u incident.Incident, ev incident.Event) {
	id := fl.IncidentID()
	if id == "" {
		return
	}
	u.ID = id
	if err := e.opts.Store.RecordIncident(ctx, u, ev); err != nil {
		e.log.Warn("recording on the incident timeline failed", "incident", id, "err", err)
	}
}

// recoveredAt is when the incident recovered: the last member's end, as
// its source reported it, or now when no source said.
func recoveredAt(members []incident.Member, now time.Time) time.Time {
	var last time.Time
	for _, m := range members {
		if m.Alert.EndsAt.After(last) && !m.Alert.EndsAt.After(now) {
			last = m.Alert.EndsAt
		}
	}
	if last.IsZero() {
		return now
	}
	return last
}

func earliest(a, b time.Time) time.Time {
	if a.IsZero() || !b.IsZero() && b.Before(a) {
		return b
	}
	return a
}

func orTime(t, otherwise time.Time) time.Time {
	if t.IsZero() {
		return otherwise
	}
	return t
}
