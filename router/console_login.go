package router

import (
	"errors"
	"net/http"
	"strings"

	"github.com/alertgate/alertgate/config"
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

func (rt *Router) handleLoginPage(w http.ResponseWriter, r *http.Request) {
	c := rt.state.Load().console
	if _, err := c.sessions.User(r); err == nil {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	rt.renderLogin(w, r, http.StatusOK, r.URL.Query().Get("why"), "", "")
}

func (rt *Router) renderLogin(w http.ResponseWriter, r *http.Request, code int, msg, field, name string) {
	c := rt.state.Load().console
	next := r.URL.Query().Get("next")
	if r.Method == http.MethodPost {
		next = r.PostFormValue("next")
	}
	p := &web.Page{Title: "Sign in", CSRF: c.sessions.CSRFToken(w, r), Now: rt.opts.Now(), Loc: rt.engine.Rules().Location(),
		Error: msg, Field: field, Data: loginData{Next: safeNext(next), Name: name, Proxy: c.cfg.Proxy != nil}}
	if !c.admin.IsSet() && !c.cfg.ViewerToken.IsSet() && c.cfg.Proxy == nil && msg == "" {
		p.Error = "Nobody can sign in: set server.admin_token (operators) or server.console.viewer_token (read-only)."
	}
	rt.web.Render(w, code, "login", p)
}

// handleLogin exchanges a token for a session: the admin token for an
// operator's, the viewer token for a read-only one.
func (rt *Router) handleLogin(w http.ResponseWriter, r *http.Request) {
	c := rt.state.Load().console
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := c.sessions.CheckCSRF(r); err != nil {
		rt.renderLogin(w, r, http.StatusForbidden, err.Error(), "", "")
		return
	}
	name := strings.TrimSpace(r.PostFormValue("name"))
	token := r.PostFormValue("token")
	a := actor{User: name, Via: "console", Remote: r.RemoteAddr}
	if name == "" || len(name) > 100 {
		rt.renderLogin(w, r, http.StatusBadRequest, "Say who you are (at most 100 characters): your name goes on every action you take.", "name", name)
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
		rt.audit(r.Context(), a, "login", "", "", errWrongToken)
		rt.log.Warn("console login rejected", "user", name, "remote", r.RemoteAddr)
		rt.renderLogin(w, r, http.StatusUnauthorized, "That token is not the admin token nor the viewer token.", "token", name)
		return
	}
	a.Role = role
	c.sessions.Login(w, session.User{Name: name, Role: role, Via: session.ViaToken})
	rt.audit(r.Context(), a, "login", "", "", nil)
	http.Redirect(w, r, safeNext(r.PostFormValue("next")), http.StatusSeeOther)
}

func (rt *Router) handleLogout(w http.ResponseWriter, r *http.Request) {
	c := rt.state.Load().console
	if err := c.sessions.CheckCSRF(r); err != nil {
		rt.consoleError(w, r, http.StatusForbidden, "Form refused", err.Error())
		return
	}
	if u, err := c.sessions.User(r); err == nil {
		rt.audit(r.Context(), actor{User: u.Name, Role: u.Role, Via: "console", Remote: r.RemoteAddr}, "logout", "", "", nil)
	}
	c.sessions.Logout(w)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// errWrongToken is the audit log's result of a failed login.
var errWrongToken = errors.New("wrong token")
