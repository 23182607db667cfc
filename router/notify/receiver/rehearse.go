package receiver

import (
	"context"
	"sync"
	"time"

	"github.com/alertgate/alertgate/config"
	"github.com/alertgate/alertgate/router/notify"
)

// Rehearse returns notifiers for every integration that deliver nothing:
// each works out, with the integration's planner (Plans), the calls the
// real notifier would make, remembering as it would which incident
// occurrences each target shows, and tells sink. Replay plays traces
// through them.
func Rehearse(cfg *config.Config, sink notify.CallSink) map[config.TargetType]notify.Notifier {
	r := &rehearsal{plan: Plans(cfg), sink: sink, shown: map[string]shownAt{}}
	out := map[config.TargetType]notify.Notifier{}
	for _, in := range integrations() {
		out[in.typ] = r
	}
	return out
}

// rehearsal is the notifier Rehearse hands out, shared by every
// integration.
type rehearsal struct {
	plan func(n *notify.Notification, shown bool) []notify.Effect
	sink notify.CallSink

	mu    sync.Mutex
	shown map[string]shownAt
	swept time.Time
}

// shownAt is whether a target shows an occurrence, and when that was
// last looked at.
type shownAt struct {
	shown bool
	at    time.Time
}

// forgetAfter is how long a rehearsal remembers an occurrence nobody
// notified about, so that its memory does not grow with a trace's
// length; it is longer than any incident keeps quiet.
const forgetAfter = 7 * 24 * time.Hour

// Notify plans n, records what its target shows afterwards, and tells
// the sink.
func (r *rehearsal) Notify(ctx context.Context, n *notify.Notification) error {
	key := n.Occurrence() + "\x00" + n.Target.String()
	r.mu.Lock()
	shown := r.shown[key].shown
	effects := r.plan(n, shown)
	r.shown[key] = shownAt{notify.Shows(shown, effects), n.CreatedAt}
	r.sweep(n.CreatedAt)
	r.mu.Unlock()
	r.sink(ctx, n, effects)
	return nil
}

// sweep forgets occurrences untouched for forgetAfter, at most daily.
func (r *rehearsal) sweep(now time.Time) {
	if now.Sub(r.swept) < 24*time.Hour {
		return
	}
	r.swept = now
	for k, s := range r.shown {
		if now.Sub(s.at) > forgetAfter {
			delete(r.shown, k)
		}
	}
}
