package notify

import "context"

// Effect is what one provider call does where people see it. A
// notification makes zero or more calls at its target (a Slack update
// edits the incident's message and may reply in its thread); which ones
// depends on the notification and on whether the target already shows
// the incident. Effects are a stable vocabulary: `alertgate replay
// --format json` prints them, and the noise figures count them.
type Effect string

// The effects of provider calls.
const (
	// EffectPage opens an alert at a paging service: someone's phone
	// rings.
	EffectPage Effect = "page"
	// EffectPageUpdate adds to an alert already open (a trigger on its
	// dedup key); the paging service does not notify anyone again.
	EffectPageUpdate Effect = "page_update"
	// EffectPageAck acknowledges the open alert.
	EffectPageAck Effect = "page_ack"
	// EffectPageResolve resolves the open alert.
	EffectPageResolve Effect = "page_resolve"
	// EffectPost is a new top-level chat message.
	EffectPost Effect = "post"
	// EffectReply is a reply in the incident's thread.
	EffectReply Effect = "reply"
	// EffectEdit brings the incident's message up to date in place
	// (Slack chat.update), silently.
	EffectEdit Effect = "edit"
	// EffectLog is a line in alertgate's own log.
	EffectLog Effect = "log"
)

// Sounds reports whether the effect makes a sound: a page, a new post or
// a thread reply reaches people; an edit, an update of an open page, an
// acknowledgement or resolve of a page, and a log line do not.
func (e Effect) Sounds() bool {
	switch e {
	case EffectPage, EffectPost, EffectReply:
		return true
	}
	return false
}

// Planner says which provider calls a notification makes at its target,
// given whether the target already shows the notification's incident
// occurrence (has its message, or an open alert). Each integration's
// notifier decides its calls with its planner, and replay uses the same
// planners to say what would have been sent.
type Planner func(n *Notification, shown bool) []Effect

// Shows reports whether, after effects, the target shows the incident:
// it does once a message was posted or a page opened, and no longer once
// the page was resolved.
func Shows(shown bool, effects []Effect) bool {
	for _, e := range effects {
		switch e {
		case EffectPage, EffectPost:
			shown = true
		case EffectPageResolve:
			shown = false
		}
	}
	return shown
}

// CallSink is told of every notification a rehearsal would deliver and
// of the provider calls it would make there (see receiver.Rehearse).
type CallSink func(ctx context.Context, n *Notification, effects []Effect)
