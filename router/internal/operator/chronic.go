package operator

import (
	"context"
	"errors"
	"fmt"

	"github.com/alertgate/alertgate/router/pipeline"
)

// SendChronicDigest sends receiver's chronic digest now for who and
// audits it ("chronic-digest", the receiver, how many chronic incidents
// it listed or why it failed). It returns that number: 0 sends nothing.
// A receiver the configuration does not have is
// pipeline.ErrUnknownReceiver, and nothing is sent.
func (a *Actions) SendChronicDigest(ctx context.Context, receiver string, who Actor) (int, error) {
	n, err := a.Engine.SendChronicDigest(ctx, receiver)
	detail := fmt.Sprintf("%d chronic incidents listed", n)
	if n == 0 {
		detail = "nothing chronic; nothing sent"
	}
	if err != nil {
		detail = ""
	}
	a.Record(ctx, who, "chronic-digest", receiver, detail, err)
	switch {
	case errors.Is(err, pipeline.ErrUnknownReceiver):
	case err != nil:
		a.Log.Error("sending the chronic digest failed", "receiver", receiver, "by", who.User, "err", err)
	default:
		a.Log.Info("chronic digest sent on demand", "receiver", receiver, "incidents", n, "by", who.User, "via", who.Via)
	}
	return n, err
}
