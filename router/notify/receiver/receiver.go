// Package receiver builds the integrations the configured receivers
// deliver through, like Alertmanager's BuildReceiverIntegrations: one
// notifier per integration type, each wrapped for dry-run when
// notify.dry_run is set. A new integration is a package under
// router/notify and one entry here.
package receiver

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/alertgate/alertgate/config"
	"github.com/alertgate/alertgate/router/notify"
	"github.com/alertgate/alertgate/router/notify/pagerduty"
	"github.com/alertgate/alertgate/router/notify/slack"
)

// Deps are what the integrations need besides the configuration.
type Deps struct {
	// Threads remembers where each incident's chat messages live.
	Threads slack.ThreadStore
	Logger  *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// integration builds one integration's notifier for a configuration,
// and says which provider calls a notification makes there.
type integration struct {
	typ   config.TargetType
	build func(cfg *config.Config, receivers map[string]config.Receiver, d Deps) notify.Notifier
	plan  func(r config.Receiver) notify.Planner
}

// integrations are alertgate's, in the order Receiver.Targets lists them.
func integrations() []integration {
	return []integration{
		{config.TargetPagerDuty, buildPagerDuty, func(config.Receiver) notify.Planner { return pagerduty.Plan }},
		{config.TargetSlack, buildSlack, planSlack},
		{config.TargetLog, func(_ *config.Config, _ map[string]config.Receiver, d Deps) notify.Notifier {
			return notify.Log{Logger: d.Logger.With("dry_run", false)}
		}, func(config.Receiver) notify.Planner { return planLog }},
	}
}

// Plans returns, per integration, what a notification to a receiver of
// cfg does there: the calls the real notifier would make. Replay and the
// noise figures use it to say what would have been sent.
func Plans(cfg *config.Config) func(n *notify.Notification, shown bool) []notify.Effect {
	receivers := make(map[string]config.Receiver, len(cfg.Receivers))
	for _, r := range cfg.Receivers {
		receivers[r.Name] = r
	}
	plans := map[config.TargetType]func(config.Receiver) notify.Planner{}
	for _, in := range integrations() {
		plans[in.typ] = in.plan
	}
	return func(n *notify.Notification, shown bool) []notify.Effect {
		p, ok := plans[n.Target.Type]
		if !ok {
			return nil
		}
		return p(receivers[n.Target.Receiver])(n, shown)
	}
}

// planSlack is the bot-token channel's plan, or the incoming webhook's.
func planSlack(r config.Receiver) notify.Planner {
	if r.Slack != nil && r.Slack.Channel == "" && r.Slack.WebhookURL.IsSet() {
		return slack.PlanWebhook
	}
	return slack.Plan
}

// planLog: a log receiver writes one line per notification.
func planLog(*notify.Notification, bool) []notify.Effect {
	return []notify.Effect{notify.EffectLog}
}

// Build returns the notifier of every integration, by type. With
// notify.dry_run every integration logs its notifications instead of
// sending them, so a trial reaches nobody whatever receivers say.
func Build(cfg *config.Config, d Deps) map[config.TargetType]notify.Notifier {
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	receivers := make(map[string]config.Receiver, len(cfg.Receivers))
	for _, r := range cfg.Receivers {
		receivers[r.Name] = r
	}
	out := map[config.TargetType]notify.Notifier{}
	for _, in := range integrations() {
		if cfg.Notify.DryRun {
			out[in.typ] = notify.Log{Logger: d.Logger.With("dry_run", true)}
			continue
		}
		out[in.typ] = in.build(cfg, receivers, d)
	}
	return out
}

func buildPagerDuty(cfg *config.Config, receivers map[string]config.Receiver, d Deps) notify.Notifier {
	pd := cfg.Notify.PagerDuty
	return pagerduty.New(pagerduty.Config{
		URL:        pd.URL,
		HTTPClient: &http.Client{Timeout: time.Duration(pd.Timeout)},
		PerKeyRate: pd.PerKeyRate,
		Logger:     d.Logger,
		Now:        d.Now,
		Alerts:     d.Threads,
		RoutingKey: func(name string) (config.Secret, bool) {
			r, ok := receivers[name]
			if !ok || r.PagerDuty == nil {
				return "", false
			}
			return r.PagerDuty.RoutingKey, true
		},
	})
}

func buildSlack(cfg *config.Config, receivers map[string]config.Receiver, d Deps) notify.Notifier {
	sl := cfg.Notify.Slack
	return slack.New(slack.Config{
		APIURL:             sl.APIURL,
		Token:              sl.Token,
		Threads:            d.Threads,
		PerChannelInterval: time.Duration(sl.PerChannelInterval),
		HTTPClient:         &http.Client{Timeout: time.Duration(sl.Timeout)},
		Logger:             d.Logger,
		Now:                d.Now,
		Channel: func(name string) (string, config.Secret, bool) {
			r, ok := receivers[name]
			if !ok || r.Slack == nil {
				return "", "", false
			}
			return r.Slack.Channel, r.Slack.WebhookURL, true
		},
	})
}
