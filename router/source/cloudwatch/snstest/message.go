package snstest

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Message is an SNS message as POSTed to an HTTP(S) subscriber. Field
// names and JSON keys are SNS's; empty optional fields are left out of the
// body, as SNS leaves them out.
type Message struct {
	Type             string `json:"Type"`
	MessageID        string `json:"MessageId"`
	Token            string `json:"Token,omitempty"`
	TopicArn         string `json:"TopicArn"`
	Subject          string `json:"Subject,omitempty"`
	Message          string `json:"Message"`
	SubscribeURL     string `json:"SubscribeURL,omitempty"`
	Timestamp        string `json:"Timestamp"`
	SignatureVersion string `json:"SignatureVersion"`
	Signature        string `json:"Signature"`
	SigningCertURL   string `json:"SigningCertURL"`
	UnsubscribeURL   string `json:"UnsubscribeURL,omitempty"`
}

// signedFields lists the fields SNS signs for a message type, in order.
func signedFields(typ string) []string {
	if typ == "SubscriptionConfirmation" || typ == "UnsubscribeConfirmation" {
		return []string{"Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"}
	}
	return []string{"Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"}
}

// StringToSign returns the canonical text SNS signs for m, as the AWS
// documentation describes it: each signed field's name and value on lines
// of their own, Subject only when the message has one.
func (m *Message) StringToSign() []byte {
	values := map[string]string{
		"Message": m.Message, "MessageId": m.MessageID, "Subject": m.Subject,
		"SubscribeURL": m.SubscribeURL, "Timestamp": m.Timestamp, "Token": m.Token,
		"TopicArn": m.TopicArn, "Type": m.Type,
	}
	var lines []string
	for _, f := range signedFields(m.Type) {
		if f == "Subject" && m.Subject == "" {
			continue
		}
		lines = append(lines, f, values[f])
	}
	return []byte(strings.Join(lines, "\n") + "\n")
}

// Body returns m as the JSON body SNS would POST.
func (m *Message) Body() []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // SNS does not escape <, > and &.
	enc.SetIndent("", "  ")
	if err := enc.Encode(m); err != nil {
		panic("snstest: marshal message: " + err.Error()) // only strings: cannot fail
	}
	return b.Bytes()
}

// Header returns the headers SNS sends with m.
func (m *Message) Header() http.Header {
	h := http.Header{}
	h.Set("Content-Type", "text/plain; charset=UTF-8")
	h.Set("User-Agent", "Amazon Simple Notification Service Agent")
	h.Set("X-Amz-Sns-Message-Type", m.Type)
	h.Set("X-Amz-Sns-Message-Id", m.MessageID)
	h.Set("X-Amz-Sns-Topic-Arn", m.TopicArn)
	if m.Type == "Notification" {
		h.Set("X-Amz-Sns-Subscription-Arn", m.TopicArn+":c9135db0-26c4-47ec-8998-413945fb5a96")
	}
	return h
}

// Notification returns an unsigned Notification carrying message to the
// topic, published now. subject may be empty.
func Notification(topicARN, subject, message string) *Message {
	return &Message{
		Type:           "Notification",
		MessageID:      newID(),
		TopicArn:       topicARN,
		Subject:        subject,
		Message:        message,
		Timestamp:      timestamp(time.Now()),
		UnsubscribeURL: endpoint(topicARN) + "/?Action=Unsubscribe&SubscriptionArn=" + topicARN + ":c9135db0-26c4-47ec-8998-413945fb5a96",
	}
}

// SubscriptionConfirmation returns an unsigned SubscriptionConfirmation for
// the topic; its SubscribeURL is answered by the fake.
func SubscriptionConfirmation(topicARN string) *Message {
	return confirmation("SubscriptionConfirmation", topicARN,
		"You have chosen to subscribe to the topic "+topicARN+".\nTo confirm the subscription, visit the SubscribeURL included in this message.")
}

// UnsubscribeConfirmation returns an unsigned UnsubscribeConfirmation for
// the topic.
func UnsubscribeConfirmation(topicARN string) *Message {
	return confirmation("UnsubscribeConfirmation", topicARN,
		"You have chosen to deactivate subscription "+topicARN+":2bcfbf39-05c3-41de-beaa-fcfcc21c8f55.\nTo cancel this operation and restore the subscription, visit the SubscribeURL included in this message.")
}

func confirmation(typ, topicARN, text string) *Message {
	token := strings.ReplaceAll(newID()+newID()+newID(), "-", "")
	return &Message{
		Type:         typ,
		MessageID:    newID(),
		Token:        token,
		TopicArn:     topicARN,
		Message:      text,
		SubscribeURL: endpoint(topicARN) + "/?Action=ConfirmSubscription&TopicArn=" + topicARN + "&Token=" + token,
		Timestamp:    timestamp(time.Now()),
	}
}

// endpoint is the SNS endpoint of the topic's region.
func endpoint(topicARN string) string {
	return "https://sns." + regionOf(topicARN) + ".amazonaws.com"
}

// regionOf returns the region of an ARN, or us-east-1 when it has none.
func regionOf(arn string) string {
	if p := strings.Split(arn, ":"); len(p) >= 6 && p[3] != "" {
		return p[3]
	}
	return "us-east-1"
}

// accountOf returns the account of an ARN.
func accountOf(arn string) string {
	if p := strings.Split(arn, ":"); len(p) >= 6 {
		return p[4]
	}
	return ""
}

// timestamp formats t as SNS does: UTC with milliseconds.
func timestamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func encodeSignature(sig []byte) string { return base64.StdEncoding.EncodeToString(sig) }

// newID returns a random UUID, the shape of SNS's MessageId.
func newID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
