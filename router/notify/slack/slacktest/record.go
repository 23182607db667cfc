package slacktest

import (
	"encoding/json"
	"net/url"
)

// Message is a message as a Slack client would show it now.
type Message struct {
	// Channel is the channel's ID; empty for webhook messages.
	Channel string
	// TS identifies the message in its channel.
	TS string
	// ThreadTS is the parent's TS, for a reply.
	ThreadTS string
	// Text is the message's text as sent (escaped mrkdwn).
	Text string
	// Blocks are the message's current blocks as sent, compacted JSON;
	// nil if it has none.
	Blocks json.RawMessage
	// Edits counts the chat.update calls that changed the message.
	Edits int
	// Replies are the messages in its thread, oldest first.
	Replies []Message
}

// Strings returns every string in the message as a client decodes it:
// the text and each string in the blocks (texts, button values, URLs).
// Unlike the raw JSON, where < may be encoded as \u003c, these are what
// Slack parses for mentions and links.
func (m Message) Strings() []string {
	out := []string{m.Text}
	if m.Blocks == nil {
		return out
	}
	var v any
	if err := json.Unmarshal(m.Blocks, &v); err != nil {
		return out
	}
	return appendStrings(out, v)
}

func appendStrings(out []string, v any) []string {
	switch v := v.(type) {
	case string:
		out = append(out, v)
	case []any:
		for _, e := range v {
			out = appendStrings(out, e)
		}
	case map[string]any:
		for _, e := range v {
			out = appendStrings(out, e)
		}
	}
	return out
}

// Button is a button in a message's blocks.
type Button struct {
	ActionID, Value, Text, Style string
	// Confirm reports whether the button asks for confirmation.
	Confirm bool
}

// Buttons returns the message's buttons in order.
func (m Message) Buttons() []Button {
	var blocks []struct {
		Elements []json.RawMessage `json:"elements"`
	}
	if m.Blocks == nil || json.Unmarshal(m.Blocks, &blocks) != nil {
		return nil
	}
	var out []Button
	for _, b := range blocks {
		for _, raw := range b.Elements {
			var e struct {
				Type     string          `json:"type"`
				ActionID string          `json:"action_id"`
				Value    string          `json:"value"`
				Style    string          `json:"style"`
				Text     json.RawMessage `json:"text"`
				Confirm  json.RawMessage `json:"confirm"`
			}
			if json.Unmarshal(raw, &e) != nil || e.Type != "button" {
				continue
			}
			var text struct{ Text string }
			_ = json.Unmarshal(e.Text, &text)
			out = append(out, Button{ActionID: e.ActionID, Value: e.Value, Text: text.Text, Style: e.Style, Confirm: e.Confirm != nil})
		}
	}
	return out
}

// Call is one request the server received.
type Call struct {
	// Method is the Web API method ("chat.postMessage", "chat.update")
	// or "webhook".
	Method string
	// Params are the request's parameters without the token: form
	// fields, or a JSON body's top-level fields (strings as they are,
	// other values as JSON).
	Params url.Values
	// Status is the HTTP status answered.
	Status int
	// Error is the Slack error code answered, "" on success.
	Error string
}

// Messages returns a channel's top-level messages (by name, #name or
// ID), oldest first, each with its replies.
func (s *Server) Messages(channel string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.channel(channel)
	if c == nil {
		return nil
	}
	return snapshot(c.top)
}

// WebhookMessages returns the messages posted to the incoming webhook,
// oldest first.
func (s *Server) WebhookMessages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return snapshot(s.webhook)
}

// Calls returns every request received, in order.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Call, len(s.calls))
	for i, c := range s.calls {
		c.Params = cloneValues(c.Params)
		out[i] = c
	}
	return out
}

// snapshot copies messages so that callers never share the server's.
func snapshot(ms []*message) []Message {
	if len(ms) == 0 {
		return nil
	}
	out := make([]Message, len(ms))
	for i, m := range ms {
		out[i] = Message{
			Channel:  m.channel,
			TS:       m.ts,
			ThreadTS: m.threadTS,
			Text:     m.text,
			Blocks:   append(json.RawMessage(nil), m.blocks...),
			Edits:    m.edits,
			Replies:  snapshot(m.replies),
		}
		if m.blocks == nil {
			out[i].Blocks = nil
		}
	}
	return out
}

func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}
