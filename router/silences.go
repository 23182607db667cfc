package router

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/alertgate/alertgate/incident"
	"github.com/alertgate/alertgate/router/amapi"
	"github.com/alertgate/alertgate/router/internal/httpx"
	"github.com/alertgate/alertgate/router/internal/operator"
	"github.com/alertgate/alertgate/router/source"
	"github.com/alertgate/alertgate/web"
)

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

// silenceView is a silence as the API shows it.
type silenceView struct {
	incident.Silence
	Status string `json:"status"`
}

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
			var m amapi.Matcher
			if err := json.Unmarshal(raw, &m); err != nil || m.Name == "" {
				return s, source.BadRequest(fmt.Sprintf("matchers[%d]", i), "want a matcher string like service=\"api\" or {name, value, isRegex, isEqual}")
			}
			str = m.String()
		}
		s.Matchers = append(s.Matchers, str)
	}
	return s, operator.CheckSilence(&s, req.Duration, now)
}

func (rt *Router) handleCreateSilence(w http.ResponseWriter, r *http.Request) {
	body, ok := rt.readBody(w, r)
	if !ok {
		return
	}
	now := rt.opts.Now()
	s, err := parseSilence(body, now)
	if err != nil {
		httpx.WriteSourceError(w, err)
		return
	}
	if err := rt.actions.SaveSilence(r.Context(), s, operator.ActorOf(r, s.CreatedBy, "api")); err != nil {
		httpx.WriteError(w, http.StatusServiceUnavailable, "", "the state store is unavailable; retry")
		return
	}
	httpx.WriteJSON(w, http.StatusCreated, silenceView{Silence: s, Status: web.SilenceState(&s, now)})
}

func (rt *Router) handleListSilences(w http.ResponseWriter, r *http.Request) {
	now := rt.opts.Now()
	list, err := rt.opts.Store.Silences(r.Context(), now)
	if err != nil {
		httpx.WriteError(w, http.StatusServiceUnavailable, "", "the state store is unavailable; retry")
		return
	}
	out := make([]silenceView, 0, len(list))
	for i := range list {
		out = append(out, silenceView{Silence: list[i], Status: web.SilenceState(&list[i], now)})
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}

func (rt *Router) handleExpireSilence(w http.ResponseWriter, r *http.Request) {
	if rt.actions.ExpireFromAPI(w, r, operator.ActorOf(r, r.URL.Query().Get("by"), "api")) {
		httpx.WriteJSON(w, http.StatusOK, map[string]string{"id": r.PathValue("id"), "status": "expired"})
	}
}
