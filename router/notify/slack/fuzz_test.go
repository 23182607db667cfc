package slack_test

import (
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/alertgate/alertgate/router/notify/slack"
	"github.com/alertgate/alertgate/router/notify/slack/slacktest"
)

// FuzzParseInteraction feeds arbitrary payloads, correctly signed so the
// parser is reached, and arbitrary headers, never signed right. Whatever
// the input: no panic; unsigned requests fail with ErrBadSignature; a
// parsed interaction names one of alertgate's actions and an incident.
func FuzzParseInteraction(f *testing.F) {
	const secret = "8f742231b10e8888abcd99yyyzzz85a5"
	f.Add([]byte(`payload=%7B%22type%22%3A%22block_actions%22%2C%22actions%22%3A%5B%7B%22action_id%22%3A%22alertgate_ack%22%2C%22value%22%3A%22g1%22%7D%5D%7D`), "v0=abc")
	f.Add([]byte(`payload={}`), "")
	f.Add([]byte(`token=x&payload=%5B%5D`), "v0=")
	f.Fuzz(func(t *testing.T, body []byte, forged string) {
		ts := strconv.FormatInt(time.Now().Unix(), 10)
		h, _ := slacktest.SignedInteraction(secret, nil, time.Now())
		h.Set("X-Slack-Request-Timestamp", ts)
		h.Set("X-Slack-Signature", slacktest.Sign(secret, ts, body))
		in, err := slack.ParseInteraction(h, body, secret)
		if err == nil && (in.Incident == "" || (in.Action != slack.ActionAcknowledge && in.Action != slack.ActionSilence && in.Action != slack.ActionResolve)) {
			t.Fatalf("parsed %+v from %q", in, body)
		}
		h.Set("X-Slack-Signature", forged)
		if _, err := slack.ParseInteraction(h, body, secret); !errors.Is(err, slack.ErrBadSignature) && forged != slacktest.Sign(secret, ts, body) {
			t.Fatalf("a forged signature %q was not rejected as such: %v", forged, err)
		}
	})
}
