package tmpl

import (
	"context"
	"log/slog"

	"github.com/alertgate/alertgate/router/notify"
)

// Texts are a receiver's templates for an integration whose message
// alertgate lays out (Slack, PagerDuty): Title replaces the notification's
// title, Text its summary. Empty keeps alertgate's default.
type Texts struct {
	Title, Text string
}

// Override is a notifier that renders a receiver's templates onto the
// notification before handing it to the integration, so the
// integration's layout stays and only the words change. A template that
// fails to execute leaves the default text, with a warning: a page with
// the default title beats no page.
type Override struct {
	Next      notify.Notifier
	Templates *Templates
	// Texts returns the receiver's templates for this integration.
	Texts  func(receiver string) Texts
	Logger *slog.Logger
}

// Notify renders and delivers.
func (o Override) Notify(ctx context.Context, n *notify.Notification) error {
	t := o.Texts(n.Target.Receiver)
	if t.Title == "" && t.Text == "" {
		return o.Next.Notify(ctx, n)
	}
	c := *n
	d, err := o.Templates.Data(&c)
	if err != nil {
		o.warn(n, err)
	}
	if t.Title != "" {
		if s, err := o.Templates.Text(t.Title, d); err != nil {
			o.warn(n, err)
		} else if s != "" {
			c.Title = s
		}
	}
	if t.Text != "" {
		if s, err := o.Templates.Text(t.Text, d); err != nil {
			o.warn(n, err)
		} else {
			c.Enrichment.Summary, c.Enrichment.SummarySource = s, ""
		}
	}
	return o.Next.Notify(ctx, &c)
}

func (o Override) warn(n *notify.Notification, err error) {
	if o.Logger != nil {
		o.Logger.Warn("template failed; the default text is used", "incident", n.Incident, "target", n.Target.String(), "err", err)
	}
}
