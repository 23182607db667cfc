package cloudwatch

import (
	"context"
	"fmt"

	"github.com/alertgate/alertgate/router/source"
)

// maxConfirmBody caps how much of AWS's ConfirmSubscriptionResponse is
// read; its content is not needed, only the status.
const maxConfirmBody = 64 << 10

// subscribe handles a verified SubscriptionConfirmation for an allowed
// topic: confirm it by visiting SubscribeURL, or tell the operator to.
func (r *Receiver) subscribe(ctx context.Context, m *envelope) (source.Batch, error) {
	log := r.log.With("topic_arn", m.TopicArn, "message_id", m.MessageID)
	if !r.autoConfirm {
		// The URL is not a secret (it only confirms a subscription the
		// topic owner already created), and the operator needs it.
		log.Info("sns subscription awaits manual confirmation", "subscribe_url", m.SubscribeURL)
		return source.Batch{Note: fmt.Sprintf(
			"subscription to %s awaits confirmation: auto-confirm is off, so visit the SubscribeURL that alertgate logged or call ConfirmSubscription with the token",
			m.TopicArn)}, nil
	}
	if _, err := checkSNSURL(m.SubscribeURL); err != nil {
		return source.Batch{}, forbidden("SubscribeURL", "%s is not an SNS URL: %v", m.SubscribeURL, err)
	}
	if _, err := r.get(ctx, "SubscribeURL", m.SubscribeURL, maxConfirmBody); err != nil {
		log.Warn("sns subscription confirmation failed", "subscribe_url", m.SubscribeURL, "err", err)
		if se, ok := err.(*source.Error); ok {
			return source.Batch{}, se
		}
		return source.Batch{}, fmt.Errorf("confirm subscription to %s: %w", m.TopicArn, err)
	}
	log.Info("sns subscription confirmed")
	return source.Batch{Note: fmt.Sprintf("subscription to %s confirmed", m.TopicArn)}, nil
}

// unsubscribed acknowledges a verified UnsubscribeConfirmation. Nothing is
// undone automatically: the operator decides whether to resubscribe.
func (r *Receiver) unsubscribed(m *envelope) source.Batch {
	r.log.Warn("sns subscription deactivated", "topic_arn", m.TopicArn, "message_id", m.MessageID, "subscribe_url", m.SubscribeURL)
	return source.Batch{Note: fmt.Sprintf(
		"subscription to %s was deactivated; visit the SubscribeURL that alertgate logged to restore it", m.TopicArn)}
}
