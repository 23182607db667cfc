package router

import (
	"context"
	"errors"
	"net/http"

	"github.com/alertgate/alertgate/incident"
	"github.com/alertgate/alertgate/router/notify"
	"github.com/alertgate/alertgate/router/pipeline"
	"github.com/alertgate/alertgate/web"
)

// draftKinds are the drafts the Incident page offers, each in English
// and Japanese.
var draftKinds = []struct{ kind, title string }{
	{pipeline.DocumentAnnouncement, "Impact announcement"},
	{pipeline.DocumentPostmortem, "Postmortem"},
}

// handleIncidentPage serves /incidents/{id}: timeline, members and why
// they joined, runbook, summary, MTTA/MTTR and the actions.
func (rt *Router) handleIncidentPage(w http.ResponseWriter, r *http.Request, p *web.Page) {
	inc, events, ok := rt.consoleIncident(w, r)
	if !ok {
		return
	}
	in := web.IncidentInput{Incident: inc, Events: events}
	g, found, err := rt.engine.GroupOf(r.Context(), inc)
	if err == nil && found {
		in.Members, in.GroupKnown, in.Escalated = g.Members, true, g.Escalated
		web.SortMembers(in.Members)
		if route, ok := rt.engine.Rules().Route(g.Group.Route); ok {
			in.Route = route.ID
		}
	}
	if d := rt.opts.Describer; d != nil {
		n := &notify.Notification{Title: inc.Title, Status: "resolved", CreatedAt: p.Now}
		for _, m := range in.Members {
			n.Members = append(n.Members, notify.Member{Alert: m.Alert})
			if m.Alert.Firing() {
				n.Status = "firing"
			}
		}
		in.Runbook, in.Impact, in.Summary = d.Describe(inc.Runbook, n)
	}
	for _, k := range draftKinds {
		for _, lang := range []string{"en", "ja"} {
			in.Documents = append(in.Documents, web.Document{ID: k.kind + "-" + lang, Title: k.title + " (" + lang + ")", Lang: lang,
				Text: notify.IncidentPath(inc.ID) + "/drafts/" + k.kind + "?lang=" + lang})
		}
	}
	p.Title, p.Nav, p.Data = inc.ID, "now", web.NewIncidentView(in)
	rt.web.Render(w, http.StatusOK, "incident", p)
}

// handleDraftPage serves /incidents/{id}/drafts/{kind}?lang=: the draft
// to copy, made on request because it may ask the LLM.
func (rt *Router) handleDraftPage(w http.ResponseWriter, r *http.Request, p *web.Page) {
	inc, events, ok := rt.consoleIncident(w, r)
	if !ok {
		return
	}
	kind, lang := r.PathValue("kind"), r.URL.Query().Get("lang")
	title := ""
	for _, k := range draftKinds {
		if k.kind == kind {
			title = k.title
		}
	}
	if title == "" {
		rt.consoleError(w, r, http.StatusNotFound, "No such draft", "Drafts are announcement and postmortem.")
		return
	}
	text, err := rt.engine.Document(r.Context(), kind, inc, events, lang)
	if err != nil {
		rt.consoleError(w, r, http.StatusBadRequest, "No such language", err.Error())
		return
	}
	p.Title, p.Nav = title+" of "+inc.ID, "now"
	p.Data = web.Document{ID: kind + "-" + lang, Title: title, Lang: lang, Text: text, Incident: inc.ID}
	rt.web.Render(w, http.StatusOK, "draft", p)
}

// consoleIncident loads the incident of the path, answering 404 or 503
// itself.
func (rt *Router) consoleIncident(w http.ResponseWriter, r *http.Request) (incident.Incident, []incident.Event, bool) {
	id := r.PathValue("id")
	inc, events, ok, err := rt.findIncident(r.Context(), id)
	switch {
	case err != nil:
		rt.consoleError(w, r, http.StatusServiceUnavailable, "Store unavailable", "The state store did not answer; reload in a moment.")
	case !ok:
		rt.consoleError(w, r, http.StatusNotFound, "No such incident", "There is no incident "+id+" (it may be older than store.incident_retention).")
	}
	return inc, events, err == nil && ok
}

func (rt *Router) handleConsoleAck(w http.ResponseWriter, r *http.Request, p *web.Page) {
	rt.consoleAct(w, r, p, "acknowledge", "Acknowledged")
}

func (rt *Router) handleConsoleResolve(w http.ResponseWriter, r *http.Request, p *web.Page) {
	rt.consoleAct(w, r, p, "resolve", "Resolved")
}

func (rt *Router) consoleAct(w http.ResponseWriter, r *http.Request, p *web.Page, action, done string) {
	inc, _, ok := rt.consoleIncident(w, r)
	if !ok {
		return
	}
	err := rt.act(r.Context(), inc, action, actorOfPage(r, p))
	switch {
	case errors.Is(err, pipeline.ErrIncidentOver):
		rt.consoleError(w, r, http.StatusConflict, "Incident over", "Incident "+inc.ID+" is already over; nothing was changed.")
	case err != nil:
		rt.consoleError(w, r, http.StatusServiceUnavailable, "Not recorded", "The action could not be recorded ("+err.Error()+"); nothing was sent. Try again.")
	default:
		back(w, r, notify.IncidentPath(inc.ID), done+" by "+p.User.Name+".")
	}
}

// act acknowledges or resolves inc for a, when inc is still the open
// occurrence of its group, and audits it.
func (rt *Router) act(ctx context.Context, inc incident.Incident, action string, a actor) error {
	_, open, err := rt.engine.GroupOf(ctx, inc)
	if err == nil && (!open || inc.Status == incident.StatusResolved) {
		err = pipeline.ErrIncidentOver
	}
	if err == nil {
		switch action {
		case "acknowledge":
			err = rt.engine.Acknowledge(ctx, inc.Group, a.User, a.Via)
		case "resolve":
			err = rt.engine.Resolve(ctx, inc.Group, a.User, a.Via)
		}
	}
	rt.board.clear()
	rt.audit(ctx, a, action, inc.ID, "", err)
	if err != nil && !errors.Is(err, pipeline.ErrIncidentOver) {
		rt.log.Error("incident action failed", "incident", inc.ID, "action", action, "by", a.User, "err", err)
	}
	return err
}
