// Package console serves alertgate's operator console: pages rendered on
// the server (package web's templates) to watch incidents and act on
// them, silence alerts, read the noise report, explain routing and
// compare a proposed configuration. The router mounts it on its mux;
// people sign in to it with a token or through a trusted proxy.
package console

import (
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/alertgate/alertgate/config"
	"github.com/alertgate/alertgate/router/internal/httpx"
	"github.com/alertgate/alertgate/router/internal/operator"
	"github.com/alertgate/alertgate/router/notify"
	"github.com/alertgate/alertgate/router/pipeline"
	"github.com/alertgate/alertgate/rules"
	"github.com/alertgate/alertgate/web"
	"github.com/alertgate/alertgate/web/session"
)

// Describer tells what the console shows of an incident: its runbook,
// what users see, and a summary (enrich.Enricher.Describe).
type Describer interface {
	Describe(runbookID string, n *notify.Notification) (rb *notify.Runbook, impact, summary string)
}

// Deps are the console's dependencies. Store, Engine and Actions are
// required.
type Deps struct {
	// Store is read for silences and incidents.
	Store operator.Store
	// Engine answers for the running rules and configuration, incidents'
	// groups, reports and drafts.
	Engine *pipeline.Engine
	// Actions acknowledges, resolves and silences, audited.
	Actions *operator.Actions
	Logger  *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// WhatIf runs the What-if comparisons; nil turns them off.
	WhatIf WhatIf
	// OnCall tells who is on call; nil shows nobody.
	OnCall rules.OnCaller
	// Describer gives an incident's runbook, impact and summary; nil
	// shows none.
	Describer Describer
}

// Server serves the console's pages.
type Server struct {
	deps  Deps
	web   *web.Renderer
	state atomic.Pointer[state]
	// whatIfBusy holds a token while a What-if comparison runs.
	whatIfBusy chan struct{}
	// board caches what the Now board reads.
	board boardCache
}

// state is the part of a configuration the console runs on.
type state struct {
	cfg      config.Console
	sessions *session.Manager
	admin    config.Secret
	maxBody  int64
}

// New returns the console for cfg.
func New(cfg *config.Config, d Deps) (*Server, error) {
	if d.Store == nil || d.Engine == nil || d.Actions == nil {
		return nil, errors.New("console: Store, Engine and Actions are required")
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	renderer, err := web.NewRenderer()
	if err != nil {
		return nil, err
	}
	s := &Server{deps: d, web: renderer, whatIfBusy: make(chan struct{}, 1)}
	commit, _ := s.Prepare(cfg)
	commit()
	return s, nil
}

// Prepare readies the console for cfg; the returned function puts it in
// place (a router.Reloadable). Without any secret to sign with (no admin,
// viewer or session token), nobody can sign in, and a random key keeps
// the forms safe all the same.
func (s *Server) Prepare(cfg *config.Config) (commit func(), err error) {
	secret := session.Secret(&cfg.Server)
	if secret == nil {
		secret = make([]byte, 32)
		_, _ = rand.Read(secret)
	}
	c := cfg.Server.Console
	st := &state{cfg: c, admin: cfg.Server.AdminToken, maxBody: cfg.Server.MaxBodyBytes, sessions: session.New(session.Options{
		Secret: secret,
		TTL:    time.Duration(c.SessionTTL),
		Secure: strings.HasPrefix(cfg.Server.ExternalURL, "https://"),
		Proxy:  c.Proxy,
		Now:    s.deps.Now,
	})}
	return func() { s.state.Store(st) }, nil
}

// Changed makes the Now board read the store again on its next refresh:
// something it shows changed (operator.Actions.Changed).
func (s *Server) Changed() { s.board.clear() }

// Routes registers the console's pages under / on mux.
func (s *Server) Routes(mux *http.ServeMux) {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.consoleError(w, r, http.StatusForbidden, "Cross-site request refused", "This form was sent from another site; alertgate only accepts its own forms.")
	}))
	handle := func(pattern string, h http.HandlerFunc) {
		mux.Handle(pattern, cop.Handler(s.consoleOn(h)))
	}
	mux.Handle("GET /static/", s.consoleOn(web.Static().ServeHTTP))
	handle("GET /login", s.handleLoginPage)
	handle("POST /login", s.handleLogin)
	handle("POST /logout", s.handleLogout)
	handle("GET /{$}", s.page(s.handleNow))
	handle("GET /incidents/{id}", s.page(s.handleIncidentPage))
	handle("GET /incidents/{id}/drafts/{kind}", s.page(s.handleDraftPage))
	handle("POST /incidents/{id}/ack", s.action(s.handleConsoleAck))
	handle("POST /incidents/{id}/resolve", s.action(s.handleConsoleResolve))
	handle("GET /silences", s.page(s.handleSilencesPage))
	handle("POST /silences", s.action(s.handleConsoleSilence))
	handle("POST /silences/{id}/expire", s.action(s.handleConsoleExpire))
	handle("GET /noise", s.page(s.handleNoisePage))
	handle("POST /noise/chronic-digest", s.action(s.handleChronicDigest))
	handle("GET /routing", s.page(s.handleRoutingPage))
	handle("GET /whatif", s.page(s.handleWhatIfPage))
	handle("POST /whatif", s.form(s.handleWhatIf, false, -1))
}

// consoleOn answers 404 while server.console.disabled is set.
func (s *Server) consoleOn(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.state.Load().cfg.Disabled {
			httpx.WriteError(w, http.StatusNotFound, "", "the console is disabled (server.console.disabled)")
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
func (s *Server) page(h pageHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c := s.state.Load()
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
		p := &web.Page{User: u, CSRF: c.sessions.CSRFToken(w, r), Now: s.deps.Now(), Loc: s.deps.Engine.Rules().Location()}
		if r.Header.Get(fragmentHeader) == "" {
			p.Flash = flash(w, r)
		}
		h(w, r, p)
	}
}

// action is page for a form that changes something: the form's CSRF
// token must match the browser's, and the user must be an operator.
// Nothing is done otherwise.
func (s *Server) action(h pageHandler) http.HandlerFunc {
	return s.form(h, true, 0)
}

// form is page for a form post: the body within limit (0: the server's
// max_body_bytes, -1: console.max_upload_bytes), parsed, with a CSRF token matching the browser's, and
// when operatorOnly is set, from an operator.
func (s *Server) form(h pageHandler, operatorOnly bool, limit int64) http.HandlerFunc {
	return s.page(func(w http.ResponseWriter, r *http.Request, p *web.Page) {
		st := s.state.Load()
		switch {
		case limit == 0:
			limit = st.maxBody
		case limit < 0:
			limit = st.cfg.MaxUploadBytes
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
			s.consoleError(w, r, http.StatusRequestEntityTooLarge, "Too large", fmt.Sprintf("The form is larger than %d bytes; nothing was done.", tooLarge.Limit))
			return
		case err != nil:
			s.consoleError(w, r, http.StatusBadRequest, "Unreadable form", "The form could not be read ("+err.Error()+"); nothing was done.")
			return
		}
		if err := st.sessions.CheckCSRF(r); err != nil {
			s.consoleError(w, r, http.StatusForbidden, "Form refused", err.Error())
			return
		}
		if operatorOnly && !p.User.CanAct() {
			s.consoleError(w, r, http.StatusForbidden, "Not allowed", p.User.Name+" may read the console but not act: that needs the operator role (the admin token, or server.console.proxy.operators).")
			return
		}
		h(w, r, p)
	})
}

// actorOfPage names the console user for the timeline and the audit log.
func actorOfPage(r *http.Request, p *web.Page) operator.Actor {
	return operator.Actor{User: p.User.Name, Role: p.User.Role, Via: "console", Remote: r.RemoteAddr}
}

// consoleError renders an error page.
func (s *Server) consoleError(w http.ResponseWriter, r *http.Request, code int, title, msg string) {
	p := &web.Page{Title: title, Now: s.deps.Now(), Loc: s.deps.Engine.Rules().Location(), Data: msg}
	if u, err := s.state.Load().sessions.User(r); err == nil {
		p.User = u
	}
	s.web.Render(w, code, "error", p)
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
