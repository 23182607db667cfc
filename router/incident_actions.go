package router

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/alertgate/alertgate/incident"
	"github.com/alertgate/alertgate/router/pipeline"
	"github.com/alertgate/alertgate/router/source"
)

// actionRequest is the optional body of POST
// /api/v1/incidents/{id}/ack and /resolve.
type actionRequest struct {
	// By is who acts; the X-Alertgate-User header or "admin token"
	// otherwise.
	By string `json:"by"`
}

func (rt *Router) handleAPIAck(w http.ResponseWriter, r *http.Request) {
	rt.apiAct(w, r, "acknowledge", "acknowledged")
}

func (rt *Router) handleAPIResolve(w http.ResponseWriter, r *http.Request) {
	rt.apiAct(w, r, "resolve", "resolved")
}

// apiAct acknowledges or resolves the incident of the path: 404 for an
// unknown one, 409 for one that is over.
func (rt *Router) apiAct(w http.ResponseWriter, r *http.Request, action, done string) {
	body, ok := rt.readBody(w, r)
	if !ok {
		return
	}
	var req actionRequest
	if len(strings.TrimSpace(string(body))) > 0 {
		if err := source.DecodeJSON(body, &req); err != nil {
			writeSourceError(w, err)
			return
		}
	}
	inc, _, ok := rt.loadIncident(w, r)
	if !ok {
		return
	}
	err := rt.act(r.Context(), inc, action, actorOf(r, strings.TrimSpace(req.By), "api"))
	switch {
	case errors.Is(err, pipeline.ErrIncidentOver):
		writeError(w, http.StatusConflict, "id", "incident "+inc.ID+" is already over")
	case err != nil:
		writeError(w, http.StatusServiceUnavailable, "", "could not record the action; retry")
	default:
		writeJSON(w, http.StatusOK, map[string]string{"id": inc.ID, "status": done})
	}
}

// findIncident reads an incident by its ID or, for links and messages
// that carry the group key (PagerDuty's dedup_key, older Slack
// messages), the newest incident of that group.
func (rt *Router) findIncident(ctx context.Context, id string) (incident.Incident, []incident.Event, bool, error) {
	inc, events, ok, err := rt.opts.Store.Incident(ctx, id)
	if err != nil || ok {
		return inc, events, ok, err
	}
	list, err := rt.recentIncidents(ctx, rt.opts.Now())
	if err != nil {
		return inc, nil, false, err
	}
	for _, c := range list { // newest first
		if c.Group == id {
			return rt.opts.Store.Incident(ctx, c.ID)
		}
	}
	return inc, nil, false, nil
}
