package console

import (
	"errors"
	"net/http"
	"strings"

	"github.com/alertgate/alertgate/config"
	"github.com/alertgate/alertgate/router/internal/operator"
	"github.com/alertgate/alertgate/web"
	"github.com/alertgate/alertgate/web/session"
)

// loginData is the login page's view model.
type loginData struct {
	Next, Name string
	Proxy      bool
}

// safeNext keeps a post-login redirect on this site: a path, never a
// URL elsewhere.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	return next
}

func (s *Server) handleLoginPage(w http.ResponseWriter, r *http.Request) {
	c := s.state.Load()
	if _, err := c.sessions.User(r); err == nil {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	s.renderLogin(w, r, http.StatusOK, r.URL.Query().Get("why"), "", "")
}

func (s *Server) renderLogin(w http.ResponseWriter, r *http.Request, code int, msg, field, name string) {
	c := s.state.Load()
	next := r.URL.Query().Get("next")
	if r.Method == http.MethodPost {
		next = r.PostFormValue("next")
	}
	p := &web.Page{Title: "Sign in", CSRF: c.sessions.CSRFToken(w, r), Now: s.deps.Now(), Loc: s.deps.Engine.Rules().Location(),
		Error: msg, Field: field, Data: loginData{Next: safeNext(next), Name: name, Proxy: c.cfg.Proxy != nil}}
	if !c.admin.IsSet() && !c.cfg.ViewerToken.IsSet() && c.cfg.Proxy == nil && msg == "" {
		p.Error = "Nobody can sign in: set server.admin_token (operators) or server.console.viewer_token (read-only)."
	}
	s.web.Render(w, code, "login", p)
}

// handleLogin exchanges a token for a session: the admin token for an
// operator's, the viewer token for a read-only one.
func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	c := s.state.Load()
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := c.sessions.CheckCSRF(r); err != nil {
		s.renderLogin(w, r, http.StatusForbidden, err.Error(), "", "")
		return
	}
	name := strings.TrimSpace(r.PostFormValue("name"))
	token := r.PostFormValue("token")
	a := operator.Actor{User: name, Via: "console", Remote: r.RemoteAddr}
	if name == "" || len(name) > 100 {
		s.renderLogin(w, r, http.StatusBadRequest, "Say who you are (at most 100 characters): your name goes on every action you take.", "name", name)
		return
	}
	role := ""
	switch {
	case c.admin.IsSet() && c.admin.Equal(token):
		role = config.RoleOperator
	case c.cfg.ViewerToken.IsSet() && c.cfg.ViewerToken.Equal(token):
		role = config.RoleViewer
	}
	if role == "" {
		s.deps.Actions.Record(r.Context(), a, "login", "", "", errWrongToken)
		s.deps.Logger.Warn("console login rejected", "user", name, "remote", r.RemoteAddr)
		s.renderLogin(w, r, http.StatusUnauthorized, "That token is not the admin token nor the viewer token.", "token", name)
		return
	}
	a.Role = role
	c.sessions.Login(w, session.User{Name: name, Role: role, Via: session.ViaToken})
	s.deps.Actions.Record(r.Context(), a, "login", "", "", nil)
	http.Redirect(w, r, safeNext(r.PostFormValue("next")), http.StatusSeeOther)
}

func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) {
	c := s.state.Load()
	if err := c.sessions.CheckCSRF(r); err != nil {
		s.consoleError(w, r, http.StatusForbidden, "Form refused", err.Error())
		return
	}
	if u, err := c.sessions.User(r); err == nil {
		s.deps.Actions.Record(r.Context(), operator.Actor{User: u.Name, Role: u.Role, Via: "console", Remote: r.RemoteAddr}, "logout", "", "", nil)
	}
	c.sessions.Logout(w)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// errWrongToken is the audit log's result of a failed login.
var errWrongToken = errors.New("wrong token")
