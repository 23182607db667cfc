package cloudwatch

import (
	"net/http"
	"strings"

	"github.com/alertgate/alertgate/router/source"
)

// The SNS message types an HTTP(S) subscriber receives.
const (
	typeNotification             = "Notification"
	typeSubscriptionConfirmation = "SubscriptionConfirmation"
	typeUnsubscribeConfirmation  = "UnsubscribeConfirmation"
)

// headerMessageType is the header in which SNS repeats the body's Type.
const headerMessageType = "X-Amz-Sns-Message-Type"

// envelope is the JSON document SNS POSTs to an HTTP(S) subscriber. The
// fields are plain strings, not source.FlexString, on purpose: the
// signature covers their exact text, and SNS always sends strings.
// UnsubscribeURL is not read: it is not signed and alertgate has no use
// for it, so whatever it holds cannot refuse a message.
type envelope struct {
	Type             string `json:"Type"`
	MessageID        string `json:"MessageId"`
	Token            string `json:"Token"`
	TopicArn         string `json:"TopicArn"`
	Subject          string `json:"Subject"`
	Message          string `json:"Message"`
	SubscribeURL     string `json:"SubscribeURL"`
	Timestamp        string `json:"Timestamp"`
	SignatureVersion string `json:"SignatureVersion"`
	Signature        string `json:"Signature"`
	SigningCertURL   string `json:"SigningCertURL"`
}

// parseEnvelope decodes body and checks that it is a complete SNS message
// whose type agrees with the x-amz-sns-message-type header.
func parseEnvelope(h http.Header, body []byte) (*envelope, error) {
	if err := rawDelivery(h, body); err != nil {
		return nil, err
	}
	var m envelope
	if err := source.DecodeJSON(body, &m); err != nil {
		return nil, err
	}
	if err := m.checkType(h.Get(headerMessageType)); err != nil {
		return nil, err
	}
	if err := m.checkRequired(); err != nil {
		return nil, err
	}
	return &m, nil
}

func (m *envelope) checkType(header string) error {
	switch m.Type {
	case typeNotification, typeSubscriptionConfirmation, typeUnsubscribeConfirmation:
	case "":
		return source.BadRequest("Type", "missing")
	default:
		return source.BadRequest("Type", "unknown SNS message type %q", m.Type)
	}
	if header = strings.TrimSpace(header); header != "" && header != m.Type {
		return source.BadRequest("Type", "body says %q but the x-amz-sns-message-type header says %q", m.Type, header)
	}
	return nil
}

// checkRequired reports the first field the message type needs that is
// missing. Subject is optional and UnsubscribeURL is not needed.
func (m *envelope) checkRequired() error {
	type field struct{ name, value string }
	fields := []field{
		{"MessageId", m.MessageID},
		{"TopicArn", m.TopicArn},
		{"Message", m.Message},
		{"Timestamp", m.Timestamp},
	}
	if m.Type != typeNotification {
		fields = append(fields, field{"Token", m.Token}, field{"SubscribeURL", m.SubscribeURL})
	}
	for _, f := range fields {
		if f.value == "" {
			return source.BadRequest(f.name, "missing")
		}
	}
	// An unsigned message is an authentication failure, not a malformed
	// one: answer it like a forged signature.
	for _, f := range []field{{"SignatureVersion", m.SignatureVersion}, {"Signature", m.Signature}, {"SigningCertURL", m.SigningCertURL}} {
		if f.value == "" {
			return &source.Error{Status: http.StatusForbidden, Field: f.name, Reason: "missing: the message is not signed"}
		}
	}
	return nil
}

// stringToSign builds the canonical text SNS signs: "Name\nvalue\n" for a
// fixed, type-dependent list of fields in byte order of their names.
// Subject is part of a notification's string only when the message has one.
func (m *envelope) stringToSign() []byte {
	var b strings.Builder
	b.Grow(len(m.Message) + len(m.SubscribeURL) + 256)
	add := func(name, value string) {
		b.WriteString(name)
		b.WriteByte('\n')
		b.WriteString(value)
		b.WriteByte('\n')
	}
	add("Message", m.Message)
	add("MessageId", m.MessageID)
	if m.Type == typeNotification {
		if m.Subject != "" {
			add("Subject", m.Subject)
		}
		add("Timestamp", m.Timestamp)
	} else {
		add("SubscribeURL", m.SubscribeURL)
		add("Timestamp", m.Timestamp)
		add("Token", m.Token)
	}
	add("TopicArn", m.TopicArn)
	add("Type", m.Type)
	return []byte(b.String())
}
