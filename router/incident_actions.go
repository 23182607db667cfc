package router

import (
	"errors"
	"net/http"
	"strings"

	"github.com/alertgate/alertgate/router/internal/httpx"
	"github.com/alertgate/alertgate/router/internal/operator"
	"github.com/alertgate/alertgate/router/pipeline"
	"github.com/alertgate/alertgate/router/source"
)

// actionRequest is the optional body of POST
// /api/v1/incidents/{id}/ack and /resolve and of POST
// /api/v1/chronic/{receiver}/digest.
type actionRequest struct {
	// By is who acts; the X-Alertgate-User header or "admin token"
	// otherwise.
	By string `json:"by"`
}

func (rt *Router) handleAPIAck(w http.ResponseWriter, r *http.Request) {
	rt.apiAct(w, r, operator.Acknowledge, "acknowledged")
}

func (rt *Router) handleAPIResolve(w http.ResponseWriter, r *http.Request) {
	rt.apiAct(w, r, operator.Resolve, "resolved")
}

// apiActor reads the optional body of an operator API action
// (actionRequest) and names who acts, answering 400 or 413 itself when
// the body cannot be read.
func (rt *Router) apiActor(w http.ResponseWriter, r *http.Request) (operator.Actor, bool) {
	body, ok := rt.readBody(w, r)
	if !ok {
		return operator.Actor{}, false
	}
	var req actionRequest
	if len(strings.TrimSpace(string(body))) > 0 {
		if err := source.DecodeJSON(body, &req); err != nil {
			httpx.WriteSourceError(w, err)
			return operator.Actor{}, false
		}
	}
	return operator.ActorOf(r, strings.TrimSpace(req.By), "api"), true
}

// apiAct acknowledges or resolves the incident of the path: 404 for an
// unknown one, 409 for one that is over.
func (rt *Router) apiAct(w http.ResponseWriter, r *http.Request, action operator.Action, done string) {
	who, ok := rt.apiActor(w, r)
	if !ok {
		return
	}
	inc, _, ok := rt.loadIncident(w, r)
	if !ok {
		return
	}
	err := rt.actions.Act(r.Context(), inc, action, who)
	switch {
	case errors.Is(err, pipeline.ErrIncidentOver):
		httpx.WriteError(w, http.StatusConflict, "id", "incident "+inc.ID+" is already over")
	case err != nil:
		httpx.WriteError(w, http.StatusServiceUnavailable, "", "could not record the action; retry")
	default:
		httpx.WriteJSON(w, http.StatusOK, map[string]string{"id": inc.ID, "status": done})
	}
}
