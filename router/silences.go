package router

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/common/model"

	"github.com/alertgate/alertgate/incident"
	"github.com/alertgate/alertgate/router/pipeline"
	"github.com/alertgate/alertgate/router/source"
	"github.com/alertgate/alertgate/router/store"
	"github.com/alertgate/alertgate/rules"
)

// SilenceStore keeps silences.
type SilenceStore interface {
	SetSilence(ctx context.Context, s incident.Silence) error
	Silences(ctx context.Context, now time.Time) ([]incident.Silence, error)
	ExpireSilence(ctx context.Context, id string, now time.Time) error
}

// silenceRequest is the body of POST /api/v1/silences. Matchers may be
// Alertmanager matcher strings or Alertmanager API v2 matcher objects.
type silenceRequest struct {
	Matchers  []json.RawMessage `json:"matchers"`
	StartsAt  source.FlexTime   `json:"startsAt"`
	EndsAt    source.FlexTime   `json:"endsAt"`
	Duration  string            `json:"duration"`
	CreatedBy string            `json:"createdBy"`
	Comment   string            `json:"comment"`
}

// amMatcher is Alertmanager API v2's matcher object.
type amMatcher struct {
	Name    string `json:"name"`
	Value   string `json:"value"`
	IsRegex bool   `json:"isRegex"`
	IsEqual *bool  `json:"isEqual"`
}

func (m amMatcher) String() string {
	op := "="
	if m.IsRegex {
		op = "=~"
	}
	if m.IsEqual != nil && !*m.IsEqual {
		op = strings.Replace(op, "=", "!", 1)
		if !m.IsRegex {
			op = "!="
		}
	}
	b, _ := json.Marshal(m.Value)
	return m.Name + op + string(b)
}

// silenceView is a silence as the API shows it.
type silenceView struct {
	incident.Silence
	Status string `json:"status"`
}

const maxSilence = 90 * 24 * time.Hour

// parseSilence validates a request into a silence, naming the field at
// fault.
func parseSilence(body []byte, now time.Time) (incident.Silence, error) {
	var req silenceRequest
	if err := source.DecodeJSON(body, &req); err != nil {
		return incident.Silence{}, err
	}
	s := incident.Silence{StartsAt: req.StartsAt.Time, EndsAt: req.EndsAt.Time, CreatedBy: strings.TrimSpace(req.CreatedBy), Comment: req.Comment, CreatedAt: now}
	for i, raw := range req.Matchers {
		var str string
		if json.Unmarshal(raw, &str) != nil {
			var m amMatcher
			if err := json.Unmarshal(raw, &m); err != nil || m.Name == "" {
				return s, source.BadRequest(fmt.Sprintf("matchers[%d]", i), "want a matcher string like service=\"api\" or {name, value, isRegex, isEqual}")
			}
			str = m.String()
		}
		s.Matchers = append(s.Matchers, str)
	}
	return s, checkSilence(&s, req.Duration, now)
}

// checkSilence validates a silence about to be made and completes it: it
// starts now when its start is unset or past, ends after duration when
// one is given, and gets a new ID. The error names the field at fault.
func checkSilence(s *incident.Silence, duration string, now time.Time) error {
	ms, err := rules.ParseMatchers(s.Matchers)
	switch {
	case err != nil:
		return source.BadRequest("matchers", "%v", err)
	case len(ms) == 0:
		return source.BadRequest("matchers", "at least one matcher is required: a silence must not mute everything")
	case s.CreatedBy == "":
		return source.BadRequest("createdBy", "say who creates the silence")
	}
	if s.StartsAt.IsZero() || s.StartsAt.Before(now) {
		s.StartsAt = now
	}
	if duration != "" {
		d, err := parseDuration(duration)
		if err != nil || d <= 0 {
			return source.BadRequest("duration", "want a positive duration like 1h, 30m or 2d, got %q", duration)
		}
		s.EndsAt = s.StartsAt.Add(d)
	}
	switch {
	case s.EndsAt.IsZero():
		return source.BadRequest("endsAt", "set endsAt or duration")
	case !s.EndsAt.After(s.StartsAt):
		return source.BadRequest("endsAt", "must be after startsAt")
	case s.EndsAt.Sub(s.StartsAt) > maxSilence:
		return source.BadRequest("endsAt", "a silence may last at most %s", model.Duration(maxSilence))
	}
	s.ID = pipeline.NewID()
	return nil
}

func (rt *Router) handleCreateSilence(w http.ResponseWriter, r *http.Request) {
	body, ok := rt.readBody(w, r)
	if !ok {
		return
	}
	now := rt.opts.Now()
	s, err := parseSilence(body, now)
	if err != nil {
		var se *source.Error
		if errors.As(err, &se) {
			writeError(w, se.Status, se.Field, se.Reason)
			return
		}
		writeError(w, http.StatusBadRequest, "", err.Error())
		return
	}
	if err := rt.saveSilence(r.Context(), s, actorOf(r, s.CreatedBy, "api")); err != nil {
		writeError(w, http.StatusServiceUnavailable, "", "the state store is unavailable; retry")
		return
	}
	writeJSON(w, http.StatusCreated, silenceView{Silence: s, Status: silenceStatus(&s, now)})
}

func (rt *Router) handleListSilences(w http.ResponseWriter, r *http.Request) {
	now := rt.opts.Now()
	list, err := rt.opts.Store.Silences(r.Context(), now)
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, "", "the state store is unavailable; retry")
		return
	}
	out := make([]silenceView, 0, len(list))
	for i := range list {
		out = append(out, silenceView{Silence: list[i], Status: silenceStatus(&list[i], now)})
	}
	writeJSON(w, http.StatusOK, out)
}

func (rt *Router) handleExpireSilence(w http.ResponseWriter, r *http.Request) {
	if rt.apiExpire(w, r, actorOf(r, r.URL.Query().Get("by"), "api")) {
		writeJSON(w, http.StatusOK, map[string]string{"id": r.PathValue("id"), "status": "expired"})
	}
}

// apiExpire expires the silence of the path for a, answering 404 or 503
// itself; it reports whether the silence expired.
func (rt *Router) apiExpire(w http.ResponseWriter, r *http.Request, a actor) bool {
	id := r.PathValue("id")
	err := rt.expireSilence(r.Context(), id, a)
	switch {
	case errors.Is(err, store.ErrNotFound):
		writeError(w, http.StatusNotFound, "id", "no silence "+id)
	case err != nil:
		writeError(w, http.StatusServiceUnavailable, "", "the state store is unavailable; retry")
	}
	return err == nil
}

func silenceStatus(s *incident.Silence, now time.Time) string {
	switch {
	case now.Before(s.StartsAt):
		return "pending"
	case s.Active(now):
		return "active"
	}
	return "expired"
}

// parseDuration reads Go durations (1h30m, 1.5h) and Prometheus ones
// (2d, 1w).
func parseDuration(s string) (time.Duration, error) {
	if d, err := time.ParseDuration(s); err == nil {
		return d, nil
	}
	d, err := model.ParseDuration(s)
	return time.Duration(d), err
}
