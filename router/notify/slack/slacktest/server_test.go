package slacktest_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/slack-go/slack"

	"github.com/alertgate/alertgate/router/notify/slack/slacktest"
)

const token = "xoxb-fake"

func client(s *slacktest.Server, tok string) *slack.Client {
	return slack.New(tok, slack.OptionAPIURL(s.APIURL()), slack.OptionHTTPClient(s.Client()))
}

func code(err error) string {
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		return se.Err
	}
	if err != nil {
		return "other: " + err.Error()
	}
	return ""
}

func header(text string) slack.Block {
	return slack.NewHeaderBlock(slack.NewTextBlockObject(slack.PlainTextType, text, false, false))
}

func TestServer_PostMessageValidatesLikeSlack(t *testing.T) {
	text := func(s string) slack.MsgOption { return slack.MsgOptionText(s, false) }
	fields := func(n int) slack.Block {
		var fs []*slack.TextBlockObject
		for range n {
			fs = append(fs, slack.NewTextBlockObject(slack.MarkdownType, "f", false, false))
		}
		return slack.NewSectionBlock(nil, fs, nil)
	}
	button := func(value string) slack.Block {
		return slack.NewActionBlock("", slack.NewButtonBlockElement("a", value, slack.NewTextBlockObject(slack.PlainTextType, "B", false, false)))
	}
	tests := []struct {
		name    string
		token   string
		channel string
		opts    []slack.MsgOption
		want    string
	}{
		{"text to a channel by name", token, "#alerts", []slack.MsgOption{text("hi")}, ""},
		{"text to a channel by ID", token, "C00000001", []slack.MsgOption{text("hi")}, ""},
		{"blocks without text", token, "alerts", []slack.MsgOption{slack.MsgOptionBlocks(header("h"))}, ""},
		{"no token", "", "#alerts", []slack.MsgOption{text("hi")}, "not_authed"},
		{"wrong token", "xoxb-other", "#alerts", []slack.MsgOption{text("hi")}, "invalid_auth"},
		{"unknown channel", token, "#nope", []slack.MsgOption{text("hi")}, "channel_not_found"},
		{"no text or blocks", token, "#alerts", nil, "no_text"},
		{"header of 150 characters", token, "#alerts", []slack.MsgOption{slack.MsgOptionBlocks(header(strings.Repeat("x", 150)))}, ""},
		{"header of 151 characters", token, "#alerts", []slack.MsgOption{slack.MsgOptionBlocks(header(strings.Repeat("x", 151)))}, "invalid_blocks"},
		{"header of 76 emoji (152 UTF-16 units)", token, "#alerts", []slack.MsgOption{slack.MsgOptionBlocks(header(strings.Repeat("🔥", 76)))}, "invalid_blocks"},
		{"10 fields", token, "#alerts", []slack.MsgOption{slack.MsgOptionBlocks(fields(10))}, ""},
		{"11 fields", token, "#alerts", []slack.MsgOption{slack.MsgOptionBlocks(fields(11))}, "invalid_blocks"},
		{"button value of 2001", token, "#alerts", []slack.MsgOption{slack.MsgOptionBlocks(button(strings.Repeat("v", 2001)))}, "invalid_blocks"},
		{"51 blocks", token, "#alerts", []slack.MsgOption{slack.MsgOptionBlocks(repeat(header("h"), 51)...)}, "invalid_blocks"},
		{"blocks too long in total", token, "#alerts", []slack.MsgOption{slack.MsgOptionBlocks(repeat(slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, strings.Repeat("x", 2999), false, false), nil, nil), 5)...)}, "msg_blocks_too_long"},
		{"text too long", token, "#alerts", []slack.MsgOption{text(strings.Repeat("x", 40001))}, "msg_too_long"},
		{"reply to an unknown thread", token, "#alerts", []slack.MsgOption{text("hi"), slack.MsgOptionTS("1.000001")}, "thread_not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := slacktest.New(t, token, "#alerts")
			_, _, err := client(s, tt.token).PostMessageContext(context.Background(), tt.channel, tt.opts...)
			if got := code(err); got != tt.want {
				t.Errorf("PostMessage error %q, want %q", got, tt.want)
			}
			if calls := s.Calls(); len(calls) != 1 || calls[0].Error != tt.want || calls[0].Params.Has("token") {
				t.Errorf("calls = %+v, want one recorded without its token", calls)
			}
		})
	}
}

func repeat(b slack.Block, n int) []slack.Block {
	out := make([]slack.Block, n)
	for i := range out {
		out[i] = b
	}
	return out
}

func TestServer_UpdateAndThreadsKeepTheChannelAsAClientShowsIt(t *testing.T) {
	s := slacktest.New(t, token, "#alerts")
	c := client(s, token)
	ctx := context.Background()
	ch, ts, err := c.PostMessageContext(ctx, "#alerts", slack.MsgOptionText("v1", false), slack.MsgOptionBlocks(header("one")))
	if err != nil || ch != s.ChannelID("#alerts") {
		t.Fatalf("PostMessage = %s, %v; want channel %s", ch, err, s.ChannelID("#alerts"))
	}
	if _, _, err := c.PostMessageContext(ctx, ch, slack.MsgOptionText("reply", false), slack.MsgOptionTS(ts)); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := c.UpdateMessageContext(ctx, ch, ts, slack.MsgOptionText("v2", false)); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := c.UpdateMessageContext(ctx, "#alerts", ts, slack.MsgOptionText("v3", false)); code(err) != "channel_not_found" {
		t.Errorf("update by channel name = %v, want channel_not_found as from Slack", err)
	}
	if _, _, _, err := c.UpdateMessageContext(ctx, ch, "9.000001", slack.MsgOptionText("v3", false)); code(err) != "message_not_found" {
		t.Errorf("update of an unknown ts = %v, want message_not_found", err)
	}
	msgs := s.Messages("alerts")
	if len(msgs) != 1 {
		t.Fatalf("got %d top-level messages, want 1", len(msgs))
	}
	m := msgs[0]
	if m.Text != "v2" || m.Edits != 1 || !bytes.Contains(m.Blocks, []byte(`"one"`)) {
		t.Errorf("message = %+v, want text v2 after one edit, with its blocks kept", m)
	}
	if len(m.Replies) != 1 || m.Replies[0].Text != "reply" || m.Replies[0].ThreadTS != ts {
		t.Errorf("replies = %+v, want the reply in the thread", m.Replies)
	}
	if _, _, _, err := c.UpdateMessageContext(ctx, ch, ts, slack.MsgOptionText("v4", false), slack.MsgOptionBlocks()); err != nil {
		t.Fatal(err)
	}
	if m := s.Messages("alerts")[0]; m.Blocks != nil {
		t.Errorf("blocks = %s after an update with an empty list, want them cleared", m.Blocks)
	}
}

func TestServer_FailuresAreInjectedInOrder(t *testing.T) {
	s := slacktest.New(t, token, "#alerts")
	c := client(s, token)
	s.FailNext(1, http.StatusTooManyRequests, "7")
	s.FailNext(1, http.StatusInternalServerError, "")
	s.FailNextWith(1, "is_archived")
	post := func() error {
		_, _, err := c.PostMessageContext(context.Background(), "#alerts", slack.MsgOptionText("x", false))
		return err
	}
	var rl *slack.RateLimitedError
	if err := post(); !errors.As(err, &rl) || rl.RetryAfter.Seconds() != 7 {
		t.Errorf("first = %v, want rate limited for 7s", err)
	}
	var sc slack.StatusCodeError
	if err := post(); !errors.As(err, &sc) || sc.Code != 500 {
		t.Errorf("second = %v, want HTTP 500", err)
	}
	if err := post(); code(err) != "is_archived" {
		t.Errorf("third = %v, want is_archived", err)
	}
	if err := post(); err != nil {
		t.Errorf("fourth = %v, want success", err)
	}
	if n := len(s.Messages("#alerts")); n != 1 {
		t.Errorf("%d messages, want only the last one", n)
	}
}

func TestServer_JSONBodiesNeedTheBearerToken(t *testing.T) {
	s := slacktest.New(t, token, "#alerts")
	post := func(auth string) string {
		req, _ := http.NewRequest(http.MethodPost, s.APIURL()+"chat.postMessage", strings.NewReader(`{"token":"`+token+`","channel":"#alerts","text":"hi","blocks":[{"type":"divider"}]}`))
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
		if auth != "" {
			req.Header.Set("Authorization", "Bearer "+auth)
		}
		resp, err := s.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var buf bytes.Buffer
		_, _ = buf.ReadFrom(resp.Body)
		return buf.String()
	}
	if got := post(""); !strings.Contains(got, "not_authed") {
		t.Errorf("JSON without Authorization = %s, want not_authed", got)
	}
	if got := post(token); !strings.Contains(got, `"ok":true`) {
		t.Errorf("JSON with Authorization = %s, want ok", got)
	}
}

func TestServer_WebhookAcceptsMessagesAndAnswersErrorsAsText(t *testing.T) {
	s := slacktest.New(t, token)
	ctx := context.Background()
	if err := slack.PostWebhookCustomHTTPContext(ctx, s.WebhookURL(), s.Client(), &slack.WebhookMessage{Text: "hello"}); err != nil {
		t.Fatal(err)
	}
	if err := slack.PostWebhookCustomHTTPContext(ctx, s.WebhookURL(), s.Client(), &slack.WebhookMessage{}); err == nil {
		t.Error("a webhook message without text was accepted")
	}
	s.FailNextWith(1, "channel_not_found")
	var sc slack.StatusCodeError
	if err := slack.PostWebhookCustomHTTPContext(ctx, s.WebhookURL(), s.Client(), &slack.WebhookMessage{Text: "x"}); !errors.As(err, &sc) || sc.Code != http.StatusNotFound {
		t.Errorf("injected channel_not_found = %v, want HTTP 404", err)
	}
	if msgs := s.WebhookMessages(); len(msgs) != 1 || msgs[0].Text != "hello" {
		t.Errorf("webhook messages = %+v, want the one valid message", msgs)
	}
}
