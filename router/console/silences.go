package console

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"

	"github.com/prometheus/alertmanager/pkg/labels"

	"github.com/alertgate/alertgate/incident"
	"github.com/alertgate/alertgate/router/internal/operator"
	"github.com/alertgate/alertgate/router/source"
	"github.com/alertgate/alertgate/router/store"
	"github.com/alertgate/alertgate/rules"
	"github.com/alertgate/alertgate/web"
)

// handleSilencesPage serves /silences: the list, the form (prefilled by
// ?matchers=&incident=&duration= from an Incident page) and the
// maintenance windows of the configuration.
func (s *Server) handleSilencesPage(w http.ResponseWriter, r *http.Request, p *web.Page) {
	q := r.URL.Query()
	form := web.SilenceForm{Matchers: q.Get("matchers"), Duration: q.Get("duration"), Incident: q.Get("incident")}
	if form.Duration == "" {
		form.Duration = "2h"
	}
	s.renderSilences(w, r, p, http.StatusOK, form, nil)
}

func (s *Server) renderSilences(w http.ResponseWriter, r *http.Request, p *web.Page, code int, form web.SilenceForm, preview *web.Preview) {
	list, err := s.deps.Store.Silences(r.Context(), p.Now)
	if err != nil {
		s.consoleError(w, r, http.StatusServiceUnavailable, "Store unavailable", "The state store did not answer; reload in a moment.")
		return
	}
	v := web.NewSilencesView(list, s.deps.Engine.Config().MaintenanceWindows, p.Now)
	v.Form, v.Preview = form, preview
	p.Title, p.Nav, p.Data = "Silences", "silences", v
	s.web.Render(w, code, "silences", p)
}

// handleConsoleSilence previews (action=preview) or creates a silence
// from the form. A preview lists the firing alerts the matchers match
// now; creating validates everything first, so a bad form stores
// nothing.
func (s *Server) handleConsoleSilence(w http.ResponseWriter, r *http.Request, p *web.Page) {
	form := web.SilenceForm{Matchers: strings.TrimSpace(r.PostFormValue("matchers")), Duration: strings.TrimSpace(r.PostFormValue("duration")),
		Comment: strings.TrimSpace(r.PostFormValue("comment")), Incident: strings.TrimSpace(r.PostFormValue("incident"))}
	fail := func(code int, field, msg string) {
		p.Error, p.Field = msg, field
		s.renderSilences(w, r, p, code, form, nil)
	}
	lines := matcherLines(form.Matchers)
	ms, err := rules.ParseMatchers(lines)
	switch {
	case err != nil:
		fail(http.StatusBadRequest, "matchers", "Matchers: "+err.Error())
		return
	case len(ms) == 0:
		fail(http.StatusBadRequest, "matchers", "Matchers: at least one is required: a silence must not mute everything.")
		return
	}
	if r.PostFormValue("action") == "preview" {
		firing, err := s.firingAlerts(r.Context(), p)
		if err != nil {
			fail(http.StatusServiceUnavailable, "", "The state store did not answer; try again.")
			return
		}
		s.renderSilences(w, r, p, http.StatusOK, form, web.NewPreview(ms, firing))
		return
	}
	sil := incident.Silence{Matchers: normalized(ms), CreatedBy: p.User.Name, Comment: form.Comment, CreatedAt: p.Now, Incident: form.Incident}
	if err := operator.CheckSilence(&sil, form.Duration, p.Now); err != nil {
		var se *source.Error
		if errors.As(err, &se) {
			fail(http.StatusBadRequest, se.Field, strings.ToUpper(se.Field[:1])+se.Field[1:]+": "+se.Reason)
			return
		}
		fail(http.StatusBadRequest, "", err.Error())
		return
	}
	if sil.Incident != "" {
		if _, _, ok, err := s.deps.Store.Incident(r.Context(), sil.Incident); err != nil || !ok {
			fail(http.StatusBadRequest, "incident", "No incident "+sil.Incident+" to note the silence on; nothing was created.")
			return
		}
	}
	if err := s.deps.Actions.SaveSilence(r.Context(), sil, actorOfPage(r, p)); err != nil {
		fail(http.StatusServiceUnavailable, "", "The silence could not be stored; nothing was created. Try again.")
		return
	}
	back(w, r, "/silences", "Silence "+sil.ID+" created; it ends "+p.Clock(sil.EndsAt)+".")
}

// handleConsoleExpire expires a silence now.
func (s *Server) handleConsoleExpire(w http.ResponseWriter, r *http.Request, p *web.Page) {
	id := r.PathValue("id")
	err := s.deps.Actions.ExpireSilence(r.Context(), id, actorOfPage(r, p))
	switch {
	case errors.Is(err, store.ErrNotFound):
		s.consoleError(w, r, http.StatusNotFound, "No such silence", "There is no silence "+id+".")
	case err != nil:
		s.consoleError(w, r, http.StatusServiceUnavailable, "Not expired", "The silence could not be expired; try again.")
	default:
		back(w, r, "/silences", "Silence "+id+" expired.")
	}
}

// matcherLines splits the form's matchers into Alertmanager matcher
// strings: one per line, each a single matcher or a {…} set.
func matcherLines(s string) []string {
	var out []string
	for line := range strings.SplitSeq(s, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			out = append(out, line)
		}
	}
	return out
}

// normalized writes each matcher on its own, as the store keeps them.
func normalized(ms labels.Matchers) []string {
	out := make([]string, 0, len(ms))
	for _, m := range ms {
		out = append(out, m.String())
	}
	return out
}

// firingAlerts lists the firing alerts of every open incident.
func (s *Server) firingAlerts(ctx context.Context, p *web.Page) ([]web.FiringAlert, error) {
	all, err := s.recentIncidents(ctx, p.Now)
	if err != nil {
		return nil, err
	}
	var (
		mu  sync.Mutex
		out []web.FiringAlert
		wg  sync.WaitGroup
		sem = make(chan struct{}, 8)
	)
	for _, inc := range all {
		if inc.Status == incident.StatusResolved {
			continue
		}
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			g, ok, err := s.deps.Engine.GroupOf(ctx, inc)
			if err != nil || !ok {
				return
			}
			mu.Lock()
			defer mu.Unlock()
			for _, m := range g.Members {
				if m.Alert.Firing() {
					out = append(out, web.FiringAlert{Alert: m.Alert, Incident: inc.ID})
				}
			}
		})
	}
	wg.Wait()
	return out, nil
}
