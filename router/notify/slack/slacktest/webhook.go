package slacktest

import (
	"io"
	"net/http"
	"net/url"
)

// serveWebhook implements an incoming webhook: a JSON message in, "ok"
// or a status with a plain-text error code out.
func (s *Server) serveWebhook(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 4<<20))
	s.mu.Lock()
	defer s.mu.Unlock()
	call := Call{Method: "webhook", Params: url.Values{}}
	if f, ok := s.nextFailure(); ok {
		call.Status, call.Error = writeWebhookFailure(w, f)
		s.calls = append(s.calls, call)
		return
	}
	status, code := s.acceptWebhook(body, err, &call)
	call.Status, call.Error = status, code
	s.calls = append(s.calls, call)
	w.Header().Set("Content-Type", "text/plain")
	w.WriteHeader(status)
	if code == "" {
		code = "ok"
	}
	_, _ = io.WriteString(w, code)
}

// acceptWebhook validates and records a webhook message; the caller
// holds mu. It returns the status and error code to answer with.
func (s *Server) acceptWebhook(body []byte, readErr error, call *Call) (int, string) {
	req := &request{params: url.Values{}}
	if readErr != nil || parseJSON(req, body) != nil {
		return http.StatusBadRequest, "invalid_payload"
	}
	call.Params = req.params
	blocks, a := checkContent(req)
	switch a.code {
	case "":
	case "no_text":
		return http.StatusBadRequest, "no_text"
	default:
		return http.StatusBadRequest, "invalid_blocks"
	}
	m := &message{ts: s.newTS(), text: req.params.Get("text"), blocks: blocks}
	s.webhook = append(s.webhook, m)
	return http.StatusOK, ""
}

// writeWebhookFailure answers with an injected failure the way an
// incoming webhook does: error codes come with a 4xx status and as plain
// text.
func writeWebhookFailure(w http.ResponseWriter, f failure) (int, string) {
	if f.code == "" {
		return writeFailure(w, f)
	}
	status := http.StatusBadRequest
	switch f.code {
	case "action_prohibited", "invalid_token":
		status = http.StatusForbidden
	case "channel_not_found", "no_service", "no_team":
		status = http.StatusNotFound
	case "channel_is_archived", "team_disabled":
		status = http.StatusGone
	case "rollup_error":
		status = http.StatusInternalServerError
	}
	w.Header().Set("Content-Type", "text/plain")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, f.code)
	return status, f.code
}
