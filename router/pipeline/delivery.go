package pipeline

import (
	"context"
	"time"

	"github.com/alertgate/alertgate/config"
	"github.com/alertgate/alertgate/router/notify"
)

// fallbackFor builds the stand-in notifications for one that failed
// permanently: the same incident, to the receiver's fallback receiver,
// with a note nobody can miss. A fallback is never itself replaced.
func (e *Engine) fallbackFor(n *notify.Notification, cause error) [][]byte {
	if n.FallbackFor != "" {
		return nil
	}
	rs := e.setup.Load().rules
	rc, ok := rs.Receiver(n.Target.Receiver)
	if !ok || rc.Fallback == "" {
		return nil
	}
	c := *n
	c.FallbackFor = n.Target.Receiver
	c.Notes = append(append([]string(nil), n.Notes...),
		"DELIVERY FAILED: "+n.Target.String()+" rejected this notification ("+cause.Error()+"); sent here instead")
	entries, err := e.encode(rs, &c, rc.Fallback)
	if err != nil {
		e.log.Error("building the fallback notification failed", "incident", n.Occurrence(), "err", err)
		return nil
	}
	return entries
}

// delivered records an accepted notification on its incident's timeline
// and in the day's counters.
func (e *Engine) delivered(ctx context.Context, n *notify.Notification, at time.Time) {
	e.recordDelivery(ctx, at, n)
	e.stats.add(at, "sent:"+string(n.Target.Type), 1)
	if n.Target.Type == config.TargetPagerDuty && n.Kind == notify.KindTrigger {
		e.stats.add(at, "pages", 1)
	}
}
