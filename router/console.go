package router

import (
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/alertgate/alertgate/config"
	"github.com/alertgate/alertgate/router/notify"
	"github.com/alertgate/alertgate/web"
	"github.com/alertgate/alertgate/web/session"
)

// Describer tells what the console shows of an incident: its runbook,
// what users see, and a summary (enrich.Enricher.Describe).
type Describer interface {
	Describe(runbookID string, n *notify.Notification) (rb *notify.Runbook, impact, summary string)
}

// console is the part of a configuration the console runs on.
type console struct {
	cfg      config.Console
	sessions *session.Manager
	admin    config.Secret
}

// newConsole prepares the console for cfg. Without any secret to sign
// with (no admin, viewer or session token), nobody can sign in, and a
// random key keeps the forms safe all the same.
func newConsole(cfg *config.Config, now func() time.Time) *console {
	secret := session.Secret(&cfg.Server)
	if secret == nil {
		secret = make([]byte, 32)
		_, _ = rand.Read(secret)
	}
	c := cfg.Server.Console
	return &console{cfg: c, admin: cfg.Server.AdminToken, sessions: session.New(session.Options{
		Secret: secret,
		TTL:    time.Duration(c.SessionTTL),
		Secure: strings.HasPrefix(cfg.Server.ExternalURL, "https://"),
		Proxy:  c.Proxy,
		Now:    now,
	})}
}

// consoleRoutes registers the console's pages under /.
func (rt *Router) consoleRoutes(mux *http.ServeMux) {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rt.consoleError(w, r, http.StatusForbidden, "Cross-site request refused", "This form was sent from another site; alertgate only accepts its own forms.")
	}))
	handle := func(pattern string, h http.HandlerFunc) {
		mux.Handle(pattern, cop.Handler(rt.consoleOn(h)))
	}
	mux.Handle("GET /static/", rt.consoleOn(web.Static().ServeHTTP))
	handle("GET /login", rt.handleLoginPage)
	handle("POST /login", rt.handleLogin)
	handle("POST /logout", rt.handleLogout)
	handle("GET /{$}", rt.page(rt.handleNow))
	handle("GET /incidents/{id}", rt.page(rt.handleIncidentPage))
	handle("GET /incidents/{id}/drafts/{kind}", rt.page(rt.handleDraftPage))
	handle("POST /incidents/{id}/ack", rt.action(rt.handleConsoleAck))
	handle("POST /incidents/{id}/resolve", rt.action(rt.handleConsoleResolve))
	handle("GET /silences", rt.page(rt.handleSilencesPage))
	handle("POST /silences", rt.action(rt.handleConsoleSilence))
	handle("POST /silences/{id}/expire", rt.action(rt.handleConsoleExpire))
	handle("GET /noise", rt.page(rt.handleNoisePage))
	handle("GET /routing", rt.page(rt.handleRoutingPage))
	handle("GET /whatif", rt.page(rt.handleWhatIfPage))
	handle("POST /whatif", rt.form(rt.handleWhatIf, false, -1))
}

// consoleOn answers 404 while server.console.disabled is set.
func (rt *Router) consoleOn(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if rt.state.Load().console.cfg.Disabled {
			writeError(w, http.StatusNotFound, "", "the console is disabled (server.console.disabled)")
			return
		}
		h(w, r)
	}
}

// pageHandler serves one console page for an authenticated user.
type pageHandler func(w http.ResponseWriter, r *http.Request, p *web.Page)

// page authenticates the request and hands the handler a page with the
// user, the form token and the clock. A request without a session goes
// to the login page (with why, when the session expired or was forged);
// the live refresh of the Now board gets 401 instead.
func (rt *Router) page(h pageHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c := rt.state.Load().console
		u, err := c.sessions.User(r)
		if err != nil {
			if r.Header.Get(fragmentHeader) != "" {
				http.Error(w, err.Error(), http.StatusUnauthorized)
				return
			}
			q := url.Values{"next": {r.URL.RequestURI()}}
			if !errors.Is(err, session.ErrNoSession) {
				q.Set("why", err.Error())
			}
			http.Redirect(w, r, "/login?"+q.Encode(), http.StatusSeeOther)
			return
		}
		p := &web.Page{User: u, CSRF: c.sessions.CSRFToken(w, r), Now: rt.opts.Now(), Loc: rt.engine.Rules().Location()}
		if r.Header.Get(fragmentHeader) == "" {
			p.Flash = flash(w, r)
		}
		h(w, r, p)
	}
}

// action is page for a form that changes something: the form's CSRF
// token must match the browser's, and the user must be an operator.
// Nothing is done otherwise.
func (rt *Router) action(h pageHandler) http.HandlerFunc {
	return rt.form(h, true, 0)
}

// form is page for a form post: the body within limit (0: the server's
// max_body_bytes, -1: console.max_upload_bytes), parsed, with a CSRF token matching the browser's, and
// when operator is set, from an operator.
func (rt *Router) form(h pageHandler, operator bool, limit int64) http.HandlerFunc {
	return rt.page(func(w http.ResponseWriter, r *http.Request, p *web.Page) {
		st := rt.state.Load()
		switch {
		case limit == 0:
			limit = st.maxBody
		case limit < 0:
			limit = st.console.cfg.MaxUploadBytes
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		var err error
		if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
			err = r.ParseMultipartForm(8 << 20)
		} else {
			err = r.ParseForm()
		}
		var tooLarge *http.MaxBytesError
		switch {
		case errors.As(err, &tooLarge):
			rt.consoleError(w, r, http.StatusRequestEntityTooLarge, "Too large", fmt.Sprintf("The form is larger than %d bytes; nothing was done.", tooLarge.Limit))
			return
		case err != nil:
			rt.consoleError(w, r, http.StatusBadRequest, "Unreadable form", "The form could not be read ("+err.Error()+"); nothing was done.")
			return
		}
		if err := st.console.sessions.CheckCSRF(r); err != nil {
			rt.consoleError(w, r, http.StatusForbidden, "Form refused", err.Error())
			return
		}
		if operator && !p.User.CanAct() {
			rt.consoleError(w, r, http.StatusForbidden, "Not allowed", p.User.Name+" may read the console but not act: that needs the operator role (the admin token, or server.console.proxy.operators).")
			return
		}
		h(w, r, p)
	})
}

// actorOfPage names the console user for the timeline and the audit log.
func actorOfPage(r *http.Request, p *web.Page) actor {
	return actor{User: p.User.Name, Role: p.User.Role, Via: "console", Remote: r.RemoteAddr}
}

// consoleError renders an error page.
func (rt *Router) consoleError(w http.ResponseWriter, r *http.Request, code int, title, msg string) {
	p := &web.Page{Title: title, Now: rt.opts.Now(), Loc: rt.engine.Rules().Location(), Data: msg}
	if u, err := rt.state.Load().console.sessions.User(r); err == nil {
		p.User = u
	}
	rt.web.Render(w, code, "error", p)
}

// flashCookie carries the message a page shows after a form succeeded
// (a cookie, not the URL, so that a link cannot make the console say
// something).
const flashCookie = "alertgate_flash"

// back redirects to a console path after a form succeeded, with a
// message for the next page.
func back(w http.ResponseWriter, r *http.Request, path, done string) {
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: url.QueryEscape(done), Path: "/", MaxAge: 60, HttpOnly: true, SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, path, http.StatusSeeOther)
}

// flash returns and clears the message of the last form.
func flash(w http.ResponseWriter, r *http.Request) string {
	c, err := r.Cookie(flashCookie)
	if err != nil {
		return ""
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode})
	msg, _ := url.QueryUnescape(c.Value)
	return msg
}

// fragmentHeader asks for the Now board alone (live refresh).
const fragmentHeader = "X-Console-Fragment"
