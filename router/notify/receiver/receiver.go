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

	"github.com/prometheus/common/model"

	"github.com/alertgate/alertgate/config"
	"github.com/alertgate/alertgate/router/notify"
	"github.com/alertgate/alertgate/router/notify/email"
	"github.com/alertgate/alertgate/router/notify/opsgenie"
	"github.com/alertgate/alertgate/router/notify/pagerduty"
	"github.com/alertgate/alertgate/router/notify/slack"
	"github.com/alertgate/alertgate/router/notify/teams"
	"github.com/alertgate/alertgate/router/notify/tmpl"
	"github.com/alertgate/alertgate/router/notify/webhook"
)

// Deps are what the integrations need besides the configuration.
type Deps struct {
	// Threads remembers where each incident's chat messages live.
	Threads slack.ThreadStore
	Logger  *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Templates are the configuration's templates; nil means they are
	// loaded from its template files.
	Templates *tmpl.Templates
}

// templates loads the configuration's template files. They were parsed
// when the configuration was validated; if one changed since and no
// longer parses, notifications go out with the default texts rather
// than not at all.
func templates(cfg *config.Config, log *slog.Logger) *tmpl.Templates {
	t, err := tmpl.New(cfg.TemplateFiles(), cfg.Server.ExternalURL)
	if err != nil {
		log.Error("templates do not parse; notifications use the default texts", "err", err)
		return tmpl.Default(cfg.Server.ExternalURL)
	}
	return t
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
		{config.TargetWebhook, plannedBy(buildWebhook, planWebhook), planWebhook},
		{config.TargetTeams, plannedBy(buildTeams, planTeams), planTeams},
		{config.TargetEmail, plannedBy(buildEmail, planEmail), planEmail},
		{config.TargetOpsgenie, plannedBy(buildOpsgenie, planOpsgenie), planOpsgenie},
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
	if d.Templates == nil {
		d.Templates = templates(cfg, d.Logger)
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
	return tmpl.Override{Templates: d.Templates, Logger: d.Logger, Texts: func(name string) tmpl.Texts {
		if r, ok := receivers[name]; ok && r.PagerDuty != nil {
			return tmpl.Texts{Title: r.PagerDuty.Summary}
		}
		return tmpl.Texts{}
	}, Next: pagerduty.New(pagerduty.Config{
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
	})}
}

func buildSlack(cfg *config.Config, receivers map[string]config.Receiver, d Deps) notify.Notifier {
	sl := cfg.Notify.Slack
	return tmpl.Override{Templates: d.Templates, Logger: d.Logger, Texts: func(name string) tmpl.Texts {
		if r, ok := receivers[name]; ok && r.Slack != nil {
			return tmpl.Texts{Title: r.Slack.Title, Text: r.Slack.Text}
		}
		return tmpl.Texts{}
	}, Next: slack.New(slack.Config{
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
	})}
}

func buildWebhook(cfg *config.Config, receivers map[string]config.Receiver, d Deps) notify.Notifier {
	wh := cfg.Notify.Webhook
	return webhook.New(webhook.Config{
		Templates: d.Templates,
		Client:    d.client(wh.Timeout, wh.PerTargetRate),
		Target: func(name string) (config.WebhookTarget, bool) {
			r, ok := receivers[name]
			if !ok || r.Webhook == nil {
				return config.WebhookTarget{}, false
			}
			return *r.Webhook, true
		},
	})
}

func buildTeams(cfg *config.Config, receivers map[string]config.Receiver, d Deps) notify.Notifier {
	tc := cfg.Notify.Teams
	return teams.New(teams.Config{
		Templates: d.Templates,
		Client:    d.client(tc.Timeout, tc.PerTargetRate),
		Target: func(name string) (config.TeamsTarget, bool) {
			r, ok := receivers[name]
			if !ok || r.Teams == nil {
				return config.TeamsTarget{}, false
			}
			return *r.Teams, true
		},
	})
}

func buildEmail(cfg *config.Config, receivers map[string]config.Receiver, d Deps) notify.Notifier {
	em := cfg.Notify.Email
	return email.New(email.Config{
		Server:    em,
		Templates: d.Templates,
		Client:    d.client(em.Timeout, em.PerTargetRate),
		Target: func(name string) (config.EmailTarget, bool) {
			r, ok := receivers[name]
			if !ok || r.Email == nil {
				return config.EmailTarget{}, false
			}
			return *r.Email, true
		},
	})
}

func buildOpsgenie(cfg *config.Config, receivers map[string]config.Receiver, d Deps) notify.Notifier {
	og := cfg.Notify.Opsgenie
	return opsgenie.New(opsgenie.Config{
		APIURL:    og.APIURL,
		APIKey:    og.APIKey,
		Templates: d.Templates,
		Client:    d.client(og.Timeout, og.PerTargetRate),
		Target: func(name string) (config.OpsgenieTarget, bool) {
			r, ok := receivers[name]
			if !ok || r.Opsgenie == nil {
				return config.OpsgenieTarget{}, false
			}
			return *r.Opsgenie, true
		},
	})
}

// client is the notify.Client of an integration with the given timeout
// and pace.
func (d Deps) client(timeout model.Duration, rate float64) notify.Client {
	return notify.Client{HTTPClient: &http.Client{Timeout: time.Duration(timeout)}, PerTargetRate: rate, Logger: d.Logger, Now: d.Now}
}
