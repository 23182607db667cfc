package console

import (
	"errors"
	"net/http"

	"github.com/alertgate/alertgate/incident"
	"github.com/alertgate/alertgate/router/internal/operator"
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
func (s *Server) handleIncidentPage(w http.ResponseWriter, r *http.Request, p *web.Page) {
	inc, events, ok := s.consoleIncident(w, r)
	if !ok {
		return
	}
	in := web.IncidentInput{Incident: inc, Events: events}
	g, found, err := s.deps.Engine.GroupOf(r.Context(), inc)
	if err == nil && found {
		in.Members, in.GroupKnown, in.Escalated = g.Members, true, g.Escalated
		web.SortMembers(in.Members)
		if route, ok := s.deps.Engine.Rules().Route(g.Group.Route); ok {
			in.Route = route.ID
		}
	}
	if d := s.deps.Describer; d != nil {
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
	s.web.Render(w, http.StatusOK, "incident", p)
}

// handleDraftPage serves /incidents/{id}/drafts/{kind}?lang=: the draft
// to copy, made on request because it may ask the LLM.
func (s *Server) handleDraftPage(w http.ResponseWriter, r *http.Request, p *web.Page) {
	inc, events, ok := s.consoleIncident(w, r)
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
		s.consoleError(w, r, http.StatusNotFound, "No such draft", "Drafts are announcement and postmortem.")
		return
	}
	text, err := s.deps.Engine.Document(r.Context(), kind, inc, events, lang)
	if err != nil {
		s.consoleError(w, r, http.StatusBadRequest, "No such language", err.Error())
		return
	}
	p.Title, p.Nav = title+" of "+inc.ID, "now"
	p.Data = web.Document{ID: kind + "-" + lang, Title: title, Lang: lang, Text: text, Incident: inc.ID}
	s.web.Render(w, http.StatusOK, "draft", p)
}

// consoleIncident loads the incident of the path, answering 404 or 503
// itself.
func (s *Server) consoleIncident(w http.ResponseWriter, r *http.Request) (incident.Incident, []incident.Event, bool) {
	id := r.PathValue("id")
	inc, events, ok, err := s.deps.Actions.FindIncident(r.Context(), id)
	switch {
	case err != nil:
		s.consoleError(w, r, http.StatusServiceUnavailable, "Store unavailable", "The state store did not answer; reload in a moment.")
	case !ok:
		s.consoleError(w, r, http.StatusNotFound, "No such incident", "There is no incident "+id+" (it may be older than store.incident_retention).")
	}
	return inc, events, err == nil && ok
}

func (s *Server) handleConsoleAck(w http.ResponseWriter, r *http.Request, p *web.Page) {
	s.consoleAct(w, r, p, operator.Acknowledge, "Acknowledged")
}

func (s *Server) handleConsoleResolve(w http.ResponseWriter, r *http.Request, p *web.Page) {
	s.consoleAct(w, r, p, operator.Resolve, "Resolved")
}

func (s *Server) consoleAct(w http.ResponseWriter, r *http.Request, p *web.Page, action operator.Action, done string) {
	inc, _, ok := s.consoleIncident(w, r)
	if !ok {
		return
	}
	err := s.deps.Actions.Act(r.Context(), inc, action, actorOfPage(r, p))
	switch {
	case errors.Is(err, pipeline.ErrIncidentOver):
		s.consoleError(w, r, http.StatusConflict, "Incident over", "Incident "+inc.ID+" is already over; nothing was changed.")
	case err != nil:
		s.consoleError(w, r, http.StatusServiceUnavailable, "Not recorded", "The action could not be recorded ("+err.Error()+"); nothing was sent. Try again.")
	default:
		back(w, r, notify.IncidentPath(inc.ID), done+" by "+p.User.Name+".")
	}
}
