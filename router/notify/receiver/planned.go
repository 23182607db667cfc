package receiver

import (
	"context"
	"time"

	"github.com/alertgate/alertgate/config"
	"github.com/alertgate/alertgate/incident"
	"github.com/alertgate/alertgate/router/notify"
	"github.com/alertgate/alertgate/router/notify/pagerduty"
	"github.com/alertgate/alertgate/router/notify/slack"
)

// planned runs a notifier that cannot tell by itself whether its target
// already shows an incident (an email, a Teams card, a webhook,
// Opsgenie) under the plan of its integration: it remembers, in the
// thread store, which occurrences it showed, so that a quiet notification
// is not sent, and an acknowledgement or a resolve goes only where the
// incident was shown, as for Slack and PagerDuty (and as replay counts).
type planned struct {
	next    notify.Notifier
	plan    func(n *notify.Notification, shown bool) []notify.Effect
	threads slack.ThreadStore
	now     func() time.Time
}

// Notify sends n if its plan makes a call, and records what the target
// shows afterwards. Without a thread store it sends what the plan says
// for a target that shows the incident (fail open: a possible extra
// message beats a lost one).
func (p planned) Notify(ctx context.Context, n *notify.Notification) error {
	key := "shown:" + n.Target.String()
	shown := true
	if p.threads != nil {
		th, ok, err := p.threads.Thread(ctx, n.Occurrence(), key)
		shown = err != nil || ok && th.Ref != ""
	}
	effects := p.plan(n, shown)
	if len(effects) == 0 {
		return nil
	}
	if err := p.next.Notify(ctx, n); err != nil {
		return err
	}
	if after := notify.Shows(shown, effects); after != shown && p.threads != nil {
		ref := ""
		if after {
			ref = "shown"
		}
		// The message is sent; a failure to remember it only means the
		// next notification plans as if the target had not seen it.
		_ = p.threads.SetThread(ctx, p.now(), n.Occurrence(), key, incident.Thread{Ref: ref, Seq: n.Seq})
	}
	return nil
}

// plannedBy wraps the notifier an integration's build returns in its plan.
func plannedBy(build func(*config.Config, map[string]config.Receiver, Deps) notify.Notifier, plan func(config.Receiver) notify.Planner) func(*config.Config, map[string]config.Receiver, Deps) notify.Notifier {
	return func(cfg *config.Config, receivers map[string]config.Receiver, d Deps) notify.Notifier {
		return planned{
			next: build(cfg, receivers, d),
			plan: func(n *notify.Notification, shown bool) []notify.Effect {
				return plan(receivers[n.Target.Receiver])(n, shown)
			},
			threads: d.Threads,
			now:     d.Now,
		}
	}
}

// planWebhook: Alertmanager's webhook consumers hear of a group firing,
// changing and resolving (if they asked for resolutions), nothing else.
func planWebhook(r config.Receiver) notify.Planner {
	kinds := []notify.Kind{notify.KindTrigger, notify.KindUpdate, notify.KindRepeat}
	if r.Webhook == nil || r.Webhook.Resolved() {
		kinds = append(kinds, notify.KindResolve)
	}
	return func(n *notify.Notification, shown bool) []notify.Effect {
		return notify.PlanMessage(n, shown, kinds...)
	}
}

// planTeams: a Teams channel gets a card for everything that sounds.
func planTeams(config.Receiver) notify.Planner {
	return func(n *notify.Notification, shown bool) []notify.Effect { return notify.PlanMessage(n, shown) }
}

// planEmail: a mailbox gets a message for everything that sounds, and
// resolutions only if it asked for them.
func planEmail(r config.Receiver) notify.Planner {
	return func(n *notify.Notification, shown bool) []notify.Effect {
		if n.Kind == notify.KindResolve && r.Email != nil && !r.Email.Resolved() {
			return nil
		}
		return notify.PlanMessage(n, shown)
	}
}

// planOpsgenie: an Opsgenie alert behaves like a PagerDuty one: opened
// once by the alias, updated while open, acknowledged and closed only
// where it is open.
func planOpsgenie(config.Receiver) notify.Planner { return pagerduty.Plan }
