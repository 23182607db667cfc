package report

import (
	"time"

	"github.com/alertgate/alertgate/incident"
)

// Facts are the times of one incident's life, read off its timeline.
type Facts struct {
	// Occurred is when the problem started (earliest startsAt).
	Occurred time.Time
	// Detected is when alertgate first received an alert of it.
	Detected time.Time
	// Notified is when a target first accepted a notification.
	Notified time.Time
	// Acknowledged is when someone took it, and who.
	Acknowledged time.Time
	AckedBy      string
	// Resolved is when the last alert resolved.
	Resolved time.Time
	// OnCall is who was on call when it was first notified.
	OnCall string
}

// FactsOf derives an incident's facts from its record and timeline.
func FactsOf(inc incident.Incident, events []incident.Event) Facts {
	f := Facts{Occurred: inc.StartsAt, Detected: inc.Opened, Notified: inc.Notified, Acknowledged: inc.AckedAt, AckedBy: inc.AckedBy, Resolved: inc.ResolvedAt}
	for _, e := range events {
		switch e.Type {
		case incident.EventOccurred:
			f.Occurred = earliest(f.Occurred, e.At)
		case incident.EventDetected:
			f.Detected = earliest(f.Detected, e.At)
		case incident.EventNotified:
			if f.OnCall == "" && e.Actor != "" && (f.Notified.IsZero() || !e.At.After(f.Notified)) {
				f.OnCall = e.Actor
			}
			f.Notified = earliest(f.Notified, e.At)
		case incident.EventAcknowledged:
			if f.Acknowledged.IsZero() {
				f.Acknowledged, f.AckedBy = e.At, e.Actor
			}
		}
	}
	return f
}

// MTTA is the time from the first notification to the acknowledgement:
// how long the on-call took to respond. Zero if either is unknown.
func (f Facts) MTTA() time.Duration { return span(f.Notified, f.Acknowledged) }

// MTTR is the time from occurrence to recovery: how long users were
// affected. Zero while unresolved.
func (f Facts) MTTR() time.Duration { return span(orDetected(f), f.Resolved) }

// TimeToDetect is the time from occurrence to detection.
func (f Facts) TimeToDetect() time.Duration { return span(f.Occurred, f.Detected) }

func orDetected(f Facts) time.Time {
	if f.Occurred.IsZero() {
		return f.Detected
	}
	return f.Occurred
}

func span(from, to time.Time) time.Duration {
	if from.IsZero() || to.IsZero() || to.Before(from) {
		return 0
	}
	return to.Sub(from)
}

func earliest(a, b time.Time) time.Time {
	if a.IsZero() || !b.IsZero() && b.Before(a) {
		return b
	}
	return a
}
