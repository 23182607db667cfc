package slack_test

import (
	"errors"
	"net/http"
	"strconv"
	"testing"
	"time"

	goslack "github.com/slack-go/slack"

	"github.com/alertgate/alertgate/config"
	"github.com/alertgate/alertgate/router/notify/slack"
	"github.com/alertgate/alertgate/router/notify/slack/slacktest"
)

const signingSecret = "8f742231b10e8888abcd99yyyzzz85a5"

func TestParseInteraction(t *testing.T) {
	user := goslack.User{ID: "U123", Name: "taro.suzuki"}
	click := func(action string) goslack.InteractionCallback {
		return slacktest.ButtonClick(action, "inc-1", user, "C00000001", "1700000000.000001")
	}
	signed := func(payload any, at time.Time) func() (http.Header, []byte) {
		return func() (http.Header, []byte) { return slacktest.SignedInteraction(signingSecret, payload, at) }
	}
	now := time.Now()
	tests := []struct {
		name    string
		request func() (http.Header, []byte)
		want    slack.Interaction
		wantErr error // nil: success; errBadRequest: an error that is not ErrBadSignature
	}{
		{
			name:    "acknowledge click",
			request: signed(click(slack.ActionAcknowledge), now),
			want:    slack.Interaction{Action: slack.ActionAcknowledge, Incident: "inc-1", UserID: "U123", UserName: "taro.suzuki", Channel: "C00000001", MessageTS: "1700000000.000001"},
		},
		{
			name:    "resolve click four minutes old",
			request: signed(click(slack.ActionResolve), now.Add(-4*time.Minute)),
			want:    slack.Interaction{Action: slack.ActionResolve, Incident: "inc-1", UserID: "U123", UserName: "taro.suzuki", Channel: "C00000001", MessageTS: "1700000000.000001"},
		},
		{
			name: "first alertgate action among others",
			request: signed(func() goslack.InteractionCallback {
				cb := click(slack.ActionSilence)
				other := &goslack.BlockAction{ActionID: "someone_else", BlockID: "b", Value: "x"}
				cb.ActionCallback.BlockActions = append([]*goslack.BlockAction{other}, cb.ActionCallback.BlockActions...)
				return cb
			}(), now),
			want: slack.Interaction{Action: slack.ActionSilence, Incident: "inc-1", UserID: "U123", UserName: "taro.suzuki", Channel: "C00000001", MessageTS: "1700000000.000001"},
		},
		{
			name: "signed with another secret",
			request: func() (http.Header, []byte) {
				return slacktest.SignedInteraction("not-the-secret", click(slack.ActionAcknowledge), now)
			},
			wantErr: slack.ErrBadSignature,
		},
		{
			name: "body changed after signing",
			request: func() (http.Header, []byte) {
				h, body := slacktest.SignedInteraction(signingSecret, click(slack.ActionAcknowledge), now)
				return h, append(body, '&', 'x')
			},
			wantErr: slack.ErrBadSignature,
		},
		{name: "stale timestamp", request: signed(click(slack.ActionAcknowledge), now.Add(-6*time.Minute)), wantErr: slack.ErrBadSignature},
		{name: "timestamp from the future", request: signed(click(slack.ActionAcknowledge), now.Add(6*time.Minute)), wantErr: slack.ErrBadSignature},
		{
			name: "no signature headers",
			request: func() (http.Header, []byte) {
				_, body := slacktest.SignedInteraction(signingSecret, click(slack.ActionAcknowledge), now)
				return http.Header{}, body
			},
			wantErr: slack.ErrBadSignature,
		},
		{
			name: "garbage signature",
			request: func() (http.Header, []byte) {
				h, body := slacktest.SignedInteraction(signingSecret, click(slack.ActionAcknowledge), now)
				h.Set("X-Slack-Signature", "v0=zz")
				return h, body
			},
			wantErr: slack.ErrBadSignature,
		},
		{name: "garbage payload", request: signed(`{"type":`, now), wantErr: errBadRequest},
		{name: "not block_actions", request: signed(`{"type":"view_submission"}`, now), wantErr: errBadRequest},
		{name: "no alertgate action", request: signed(slacktest.ButtonClick("someone_else", "x", user, "C1", "1.2"), now), wantErr: errBadRequest},
		{name: "alertgate action without incident", request: signed(slacktest.ButtonClick(slack.ActionAcknowledge, "", user, "C1", "1.2"), now), wantErr: errBadRequest},
		{
			name: "no payload field",
			request: func() (http.Header, []byte) {
				body := []byte("foo=bar")
				ts := itoa(now.Unix())
				h := http.Header{}
				h.Set("X-Slack-Request-Timestamp", ts)
				h.Set("X-Slack-Signature", slacktest.Sign(signingSecret, ts, body))
				return h, body
			},
			wantErr: errBadRequest,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, body := tt.request()
			got, err := slack.ParseInteraction(h, body, config.Secret(signingSecret))
			switch {
			case tt.wantErr == nil && err != nil:
				t.Fatalf("ParseInteraction = %v, want success", err)
			case tt.wantErr == nil && got != tt.want:
				t.Errorf("ParseInteraction = %+v, want %+v", got, tt.want)
			case tt.wantErr == slack.ErrBadSignature && !errors.Is(err, slack.ErrBadSignature):
				t.Errorf("ParseInteraction = %v, want ErrBadSignature", err)
			case tt.wantErr == errBadRequest && (err == nil || errors.Is(err, slack.ErrBadSignature)):
				t.Errorf("ParseInteraction = %v, want an error other than ErrBadSignature", err)
			}
		})
	}
}

func TestParseInteraction_UnsetSecretRejectsEverything(t *testing.T) {
	h, body := slacktest.SignedInteraction("", slacktest.ButtonClick(slack.ActionAcknowledge, "inc-1", goslack.User{ID: "U1"}, "C1", "1.2"), time.Now())
	if _, err := slack.ParseInteraction(h, body, ""); !errors.Is(err, slack.ErrBadSignature) {
		t.Errorf("ParseInteraction with no secret = %v, want ErrBadSignature", err)
	}
}

// errBadRequest marks cases that must fail with an error other than
// ErrBadSignature.
var errBadRequest = errors.New("bad request")

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
