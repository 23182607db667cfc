package slack

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/slack-go/slack"

	"github.com/alertgate/alertgate/config"
)

// The action_id of each button on an incident's message. The button's
// value is the incident key.
const (
	ActionAcknowledge = "alertgate_ack"
	ActionSilence     = "alertgate_silence_1h"
	ActionResolve     = "alertgate_resolve"
	ActionAnnounce    = "alertgate_announce"
)

// Interaction is a click on one of alertgate's buttons.
type Interaction struct {
	// Action is ActionAcknowledge, ActionSilence or ActionResolve.
	Action string
	// Incident is the incident key the button carries.
	Incident string
	// UserID and UserName identify who clicked.
	UserID, UserName string
	// Channel and MessageTS locate the message clicked on.
	Channel, MessageTS string
}

// ErrBadSignature is wrapped by the error ParseInteraction returns for a
// request that is not provably from Slack: a missing, malformed or wrong
// signature, or a timestamp more than five minutes off. Callers answer
// 401.
var ErrBadSignature = errors.New("slack request signature invalid")

// ParseInteraction verifies that a request to the interactivity endpoint
// comes from Slack and returns the alertgate button it reports. body is
// the raw request body, read before any form parsing: the signature
// covers its exact bytes.
//
// A request that fails verification returns an error wrapping
// ErrBadSignature; a verified request that is not a block_actions
// payload with an alertgate button returns another error.
func ParseInteraction(h http.Header, body []byte, signingSecret config.Secret) (Interaction, error) {
	if err := verify(h, body, signingSecret); err != nil {
		return Interaction{}, err
	}
	cb, err := decodePayload(body)
	if err != nil {
		return Interaction{}, err
	}
	return interactionOf(&cb)
}

// verify checks Slack's v0 signature: HMAC-SHA256 with the signing
// secret over "v0:" + timestamp + ":" + body, with the timestamp within
// five minutes of now so that a captured request cannot be replayed
// later. An unset secret fails closed.
func verify(h http.Header, body []byte, secret config.Secret) error {
	sv, err := slack.NewSecretsVerifier(h, secret.Reveal())
	if err != nil {
		return fmt.Errorf("%w: %v", ErrBadSignature, err)
	}
	if _, err := sv.Write(body); err != nil {
		return fmt.Errorf("%w: %v", ErrBadSignature, err)
	}
	if err := sv.Ensure(); err != nil {
		return fmt.Errorf("%w: %v", ErrBadSignature, err)
	}
	return nil
}

// decodePayload reads the form field payload, which holds the
// interaction as JSON.
func decodePayload(body []byte) (slack.InteractionCallback, error) {
	var cb slack.InteractionCallback
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return cb, fmt.Errorf("slack interaction: parse form: %w", err)
	}
	payload := form.Get("payload")
	if payload == "" {
		return cb, errors.New("slack interaction: no payload field")
	}
	if err := json.Unmarshal([]byte(payload), &cb); err != nil {
		return cb, fmt.Errorf("slack interaction: decode payload: %w", err)
	}
	return cb, nil
}

// interactionOf returns the first alertgate button in a block_actions
// callback.
func interactionOf(cb *slack.InteractionCallback) (Interaction, error) {
	if cb.Type != slack.InteractionTypeBlockActions {
		return Interaction{}, fmt.Errorf("slack interaction: unsupported type %q", cb.Type)
	}
	for _, a := range cb.ActionCallback.BlockActions {
		switch a.ActionID {
		case ActionAcknowledge, ActionSilence, ActionResolve, ActionAnnounce:
		default:
			continue
		}
		if a.Value == "" {
			return Interaction{}, fmt.Errorf("slack interaction: action %s carries no incident", a.ActionID)
		}
		return Interaction{
			Action:    a.ActionID,
			Incident:  a.Value,
			UserID:    cb.User.ID,
			UserName:  userName(&cb.User),
			Channel:   firstNonEmpty(cb.Channel.ID, cb.Container.ChannelID),
			MessageTS: firstNonEmpty(cb.Container.MessageTs, cb.Message.Timestamp),
		}, nil
	}
	return Interaction{}, errors.New("slack interaction: no alertgate action")
}

// userName is the best name Slack gave for the user: block_actions
// payloads carry username and name (the same handle, usually), not the
// display name.
func userName(u *slack.User) string {
	return firstNonEmpty(u.Name, u.Username, u.RealName, u.ID)
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
