package slack

import (
	"context"
	"errors"
	"net/url"

	"github.com/slack-go/slack"

	"github.com/alertgate/alertgate/config"
	"github.com/alertgate/alertgate/router/notify"
)

// notifyWebhook delivers nt through an incoming webhook: one standalone
// message per notification, since a webhook cannot edit a message, and
// without buttons, since there is no message to update after a click.
// Each message says what the notification reports (an update, a repeat,
// a resolution) above the incident's current state.
func (n *Notifier) notifyWebhook(ctx context.Context, hook config.Secret, nt *notify.Notification) error {
	if len(PlanWebhook(nt, false)) == 0 {
		return nil
	}
	// Paced per receiver: the URL is a secret and must not become a key
	// anything could log.
	if err := n.pace.Wait(ctx, "webhook:"+nt.Target.Receiver); err != nil {
		return err
	}
	blocks := slack.Blocks{BlockSet: messageBlocks(nt, false, replyText(nt))}
	msg := &slack.WebhookMessage{Text: fallbackText(nt), Blocks: &blocks}
	err := slack.PostWebhookCustomHTTPContext(ctx, hook.Reveal(), n.http, msg)
	if err != nil {
		return classify("incoming webhook of receiver "+nt.Target.Receiver, redactURL(err))
	}
	return nil
}

// redactURL replaces a transport error, which names the URL it failed
// to reach, with one that does not: an incoming webhook's URL is its
// credential. Errors without a URL are returned as they are.
func redactURL(err error) error {
	var ue *url.Error
	if !errors.As(err, &ue) {
		return err
	}
	return &url.Error{Op: ue.Op, URL: "[redacted webhook URL]", Err: ue.Err}
}
