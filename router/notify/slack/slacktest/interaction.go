package slacktest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/slack-go/slack"
)

// SignedInteraction builds the request Slack sends to an app's
// interactivity URL when someone clicks a button: the payload as the
// form field "payload", signed with the app's signing secret at
// timestamp (v0: HMAC-SHA256 over "v0:<unix time>:<body>").
//
// payload is a slack.InteractionCallback (or a pointer to one), or raw
// JSON as []byte, json.RawMessage or string, which lets tests send
// payloads Slack would not. It panics on a payload it cannot encode,
// which is a bug in the test.
func SignedInteraction(secret string, payload any, timestamp time.Time) (http.Header, []byte) {
	body := []byte(url.Values{"payload": {string(encodePayload(payload))}}.Encode())
	ts := strconv.FormatInt(timestamp.Unix(), 10)
	h := http.Header{}
	h.Set("Content-Type", "application/x-www-form-urlencoded")
	h.Set("X-Slack-Request-Timestamp", ts)
	h.Set("X-Slack-Signature", Sign(secret, ts, body))
	return h, body
}

// Sign returns the X-Slack-Signature of body sent at the Unix time ts.
func Sign(secret, ts string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte("v0:" + ts + ":"))
	mac.Write(body)
	return "v0=" + hex.EncodeToString(mac.Sum(nil))
}

func encodePayload(payload any) []byte {
	switch p := payload.(type) {
	case []byte:
		return p
	case json.RawMessage:
		return p
	case string:
		return []byte(p)
	case slack.InteractionCallback:
		return mustJSON(&p)
	}
	return mustJSON(payload)
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("slacktest: encode interaction payload: %v", err))
	}
	return b
}

// ButtonClick returns the block_actions payload Slack sends when user
// clicks the button with actionID and value on the message at ts in
// channelID.
func ButtonClick(actionID, value string, user slack.User, channelID, ts string) slack.InteractionCallback {
	var cb slack.InteractionCallback
	cb.Type = slack.InteractionTypeBlockActions
	cb.User = user
	cb.Channel.ID = channelID
	cb.Container = slack.Container{Type: "message", MessageTs: ts, ChannelID: channelID}
	cb.Message.Timestamp = ts
	cb.ActionCallback.BlockActions = []*slack.BlockAction{{
		ActionID: actionID,
		BlockID:  "alertgate_actions",
		Type:     "button",
		Value:    value,
		ActionTs: ts,
	}}
	return cb
}
