package slacktest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// request is a Web API request's parameters, whichever way they came.
type request struct {
	params    url.Values // without the token; blocks as JSON text
	blocks    json.RawMessage
	hasBlocks bool
	token     string // from the Authorization header or the form
	isJSON    bool
}

// answer is a method's reply: a body for {"ok":true,…}, or an error code
// with Slack's explanations.
type answer struct {
	body map[string]any
	code string
	errs []string
}

func fail(code string, errs ...string) answer { return answer{code: code, errs: errs} }

// serveAPI wraps a method: it records the call, applies injected
// failures, checks the token, and writes Slack's JSON envelope. Methods
// run under mu.
func (s *Server) serveAPI(method func(*request) answer) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		req, perr := parseRequest(r)
		s.mu.Lock()
		defer s.mu.Unlock()
		call := Call{Method: strings.TrimPrefix(r.URL.Path, "/api/"), Params: req.params}
		if f, ok := s.nextFailure(); ok {
			call.Status, call.Error = writeFailure(w, f)
			s.calls = append(s.calls, call)
			return
		}
		var a answer
		switch {
		case perr != nil:
			a = fail("invalid_form_data", perr.Error())
		case req.token == "":
			a = fail("not_authed")
		case req.token != s.token:
			a = fail("invalid_auth")
		default:
			a = method(req)
		}
		call.Status, call.Error = http.StatusOK, a.code
		s.calls = append(s.calls, call)
		writeAnswer(w, a)
	}
}

// parseRequest reads a form or JSON body as slack-go and other clients
// send them. A JSON body must carry the token in the Authorization
// header, as Slack requires.
func parseRequest(r *http.Request) (*request, error) {
	req := &request{params: url.Values{}}
	if auth, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		req.token = auth
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	body, err := io.ReadAll(io.LimitReader(r.Body, 4<<20))
	if err != nil {
		return req, err
	}
	if ct == "application/json" {
		req.isJSON = true
		return req, parseJSON(req, body)
	}
	return req, parseForm(req, body)
}

func parseForm(req *request, body []byte) error {
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return err
	}
	if req.token == "" {
		req.token = form.Get("token")
	}
	form.Del("token")
	req.params = form
	if b, ok := form["blocks"]; ok && len(b) > 0 {
		req.blocks, req.hasBlocks = json.RawMessage(b[0]), true
	}
	return nil
}

func parseJSON(req *request, body []byte) error {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil {
		return fmt.Errorf("json body: %w", err)
	}
	for k, v := range fields {
		if k == "token" {
			continue // ignored in JSON bodies, as by Slack
		}
		var str string
		if json.Unmarshal(v, &str) == nil {
			req.params.Set(k, str)
		} else {
			req.params.Set(k, string(v))
		}
		if k == "blocks" {
			req.blocks, req.hasBlocks = json.RawMessage(req.params.Get(k)), true
		}
	}
	return nil
}

func writeAnswer(w http.ResponseWriter, a answer) {
	body := a.body
	if a.code != "" {
		body = map[string]any{"ok": false, "error": a.code}
		if len(a.errs) > 0 {
			body["errors"] = a.errs
			body["response_metadata"] = map[string]any{"messages": prefixed("[ERROR] ", a.errs)}
		}
	} else {
		body["ok"] = true
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(body)
}

// writeFailure answers with an injected failure and returns the status
// and error code it sent.
func writeFailure(w http.ResponseWriter, f failure) (int, string) {
	if f.retryAfter != "" {
		w.Header().Set("Retry-After", f.retryAfter)
	}
	switch {
	case f.code != "":
		writeAnswer(w, fail(f.code))
		return http.StatusOK, f.code
	case f.status == http.StatusTooManyRequests:
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(f.status)
		_, _ = io.WriteString(w, `{"ok":false,"error":"ratelimited"}`)
		return f.status, "ratelimited"
	}
	w.Header().Set("Content-Type", "text/html")
	w.WriteHeader(f.status)
	_, _ = io.WriteString(w, "<html><body><h1>"+strconv.Itoa(f.status)+" "+http.StatusText(f.status)+"</h1></body></html>")
	return f.status, ""
}

func prefixed(p string, ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = p + s
	}
	return out
}

// postMessage implements chat.postMessage; the caller holds mu.
func (s *Server) postMessage(r *request) answer {
	c := s.channel(r.params.Get("channel"))
	if c == nil {
		return fail("channel_not_found")
	}
	blocks, a := checkContent(r)
	if a.code != "" {
		return a
	}
	var parent *message
	if tts := r.params.Get("thread_ts"); tts != "" {
		// Slack posts a reply to a missing parent into the channel; the
		// fake refuses it, since it means the caller lost its thread.
		parent = s.messages[c.id+"/"+tts]
		if parent == nil || parent.threadTS != "" {
			return fail("thread_not_found")
		}
	}
	m := &message{channel: c.id, ts: s.newTS(), text: r.params.Get("text"), blocks: blocks}
	if parent != nil {
		m.threadTS = parent.ts
		parent.replies = append(parent.replies, m)
	} else {
		c.top = append(c.top, m)
	}
	s.messages[c.id+"/"+m.ts] = m
	return answer{body: map[string]any{"channel": c.id, "ts": m.ts, "message": m.json()}}
}

// update implements chat.update; the caller holds mu. Like Slack, it
// needs the channel's ID, not its name.
func (s *Server) update(r *request) answer {
	id := r.params.Get("channel")
	c := s.channel(id)
	if c == nil || c.id != id {
		return fail("channel_not_found")
	}
	m := s.messages[c.id+"/"+r.params.Get("ts")]
	if m == nil {
		return fail("message_not_found")
	}
	blocks, a := checkContent(r)
	if a.code != "" {
		return a
	}
	if _, ok := r.params["text"]; ok {
		m.text = r.params.Get("text")
	}
	if r.hasBlocks {
		m.blocks = blocks // blocks left out keep the old ones; [] clears them
	}
	m.edits++
	return answer{body: map[string]any{"channel": c.id, "ts": m.ts, "text": m.text, "message": m.json()}}
}

// checkContent validates a message's text and blocks and returns the
// blocks compacted (nil for none).
func checkContent(r *request) (json.RawMessage, answer) {
	text := r.params.Get("text")
	var blocks json.RawMessage
	if r.hasBlocks {
		n, code, errs := validateBlocks(r.blocks)
		if code != "" {
			return nil, fail(code, errs...)
		}
		if n > 0 {
			var buf bytes.Buffer
			_ = json.Compact(&buf, r.blocks)
			blocks = buf.Bytes()
		}
	}
	if strings.TrimSpace(text) == "" && blocks == nil {
		return nil, fail("no_text")
	}
	if textLen(text) > maxMessageText {
		return nil, fail("msg_too_long")
	}
	return blocks, answer{}
}

// json is the message object Slack returns.
func (m *message) json() map[string]any {
	out := map[string]any{"type": "message", "ts": m.ts, "text": m.text}
	if m.threadTS != "" {
		out["thread_ts"] = m.threadTS
	}
	if m.blocks != nil {
		out["blocks"] = m.blocks
	}
	return out
}
