// Package session authenticates the people who use the web console: a
// login with the admin or viewer token becomes a signed, HttpOnly,
// SameSite=Strict session cookie; an authenticating proxy at a trusted
// address may name the user in a header instead. Every form carries a
// CSRF token bound to a per-browser cookie.
//
// Sessions are stateless (signed, with an expiry), so every replica that
// shares the secret accepts them and a restart logs nobody out;
// changing the secret (by default, the admin token) logs everyone out.
package session

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/alertgate/alertgate/config"
)

// Cookie names.
const (
	SessionCookie = "alertgate_session"
	CSRFCookie    = "alertgate_csrf"
	// CSRFField is the form field (and X-CSRF-Token header) that carries
	// the token.
	CSRFField = "csrf"
)

// How a user was authenticated.
const (
	ViaToken = "token"
	ViaProxy = "proxy"
)

// User is who is using the console.
type User struct {
	Name string `json:"u"`
	Role string `json:"r"`
	Via  string `json:"v"`
}

// CanAct reports whether the user may change anything (acknowledge,
// resolve, silence, expire).
func (u User) CanAct() bool { return u.Role == config.RoleOperator }

// Errors User returns.
var (
	// ErrNoSession means the request carries no session: log in.
	ErrNoSession = errors.New("not logged in")
	// ErrExpired means the session cookie is genuine but too old.
	ErrExpired = errors.New("your session expired; log in again")
	// ErrForged means the session cookie was not signed by alertgate.
	ErrForged = errors.New("the session cookie is not valid; log in again")
	// ErrCSRF means a form came without the token of this browser.
	ErrCSRF = errors.New("the form's security token is missing or does not match this browser (was the page open for long, or sent from another site?); reload the page and try again")
)

// Options configure a Manager.
type Options struct {
	// Secret signs cookies and tokens.
	Secret []byte
	// TTL is how long a login lasts.
	TTL time.Duration
	// Secure marks the cookies Secure (served over https).
	Secure bool
	// Proxy, if set, trusts an authenticating proxy.
	Proxy *config.ConsoleProxy
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Manager issues and checks sessions and CSRF tokens.
type Manager struct {
	opts    Options
	trusted []netip.Prefix
}

// New returns a Manager.
func New(opts Options) *Manager {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	m := &Manager{opts: opts}
	if opts.Proxy != nil {
		m.trusted = opts.Proxy.TrustedPrefixes()
	}
	return m
}

// Secret derives the signing key of the console from its configuration:
// console.session_secret, else the admin token, else the viewer token,
// always through HMAC so that a cookie never reveals a token.
func Secret(s *config.Server) []byte {
	for _, v := range []config.Secret{s.Console.SessionSecret, s.AdminToken, s.Console.ViewerToken} {
		if v.IsSet() {
			return mac([]byte("alertgate console session key"), v.Reveal())
		}
	}
	return nil
}

type claims struct {
	User
	Exp int64 `json:"e"`
}

// Login sets the session cookie of u.
func (m *Manager) Login(w http.ResponseWriter, u User) {
	c := claims{User: u, Exp: m.opts.Now().Add(m.opts.TTL).Unix()}
	payload, _ := json.Marshal(c)
	p := base64.RawURLEncoding.EncodeToString(payload)
	http.SetCookie(w, m.cookie(SessionCookie, p+"."+m.sign("session", p), int(m.opts.TTL.Seconds())))
}

// Logout clears the session cookie.
func (m *Manager) Logout(w http.ResponseWriter) {
	http.SetCookie(w, m.cookie(SessionCookie, "", -1))
}

func (m *Manager) cookie(name, value string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge, HttpOnly: true, Secure: m.opts.Secure, SameSite: http.SameSiteStrictMode}
}

// User returns who makes the request: the user a trusted proxy names,
// else the session cookie's.
func (m *Manager) User(r *http.Request) (User, error) {
	if u, ok := m.proxyUser(r); ok {
		return u, nil
	}
	c, err := r.Cookie(SessionCookie)
	if err != nil || c.Value == "" {
		return User{}, ErrNoSession
	}
	p, sig, ok := strings.Cut(c.Value, ".")
	if !ok || !hmac.Equal([]byte(sig), []byte(m.sign("session", p))) {
		return User{}, ErrForged
	}
	raw, err := base64.RawURLEncoding.DecodeString(p)
	var cl claims
	if err != nil || json.Unmarshal(raw, &cl) != nil || cl.Name == "" {
		return User{}, ErrForged
	}
	if m.opts.Now().Unix() >= cl.Exp {
		return User{}, ErrExpired
	}
	return cl.User, nil
}

// proxyUser reads the user a trusted proxy names. The header from any
// other address is ignored: anyone could send it.
func (m *Manager) proxyUser(r *http.Request) (User, bool) {
	p := m.opts.Proxy
	if p == nil {
		return User{}, false
	}
	name := strings.TrimSpace(r.Header.Get(p.UserHeader))
	if name == "" || !m.fromTrusted(r.RemoteAddr) {
		return User{}, false
	}
	role := p.DefaultRole
	groups := []string{}
	if p.GroupsHeader != "" {
		for g := range strings.SplitSeq(r.Header.Get(p.GroupsHeader), ",") {
			groups = append(groups, strings.TrimSpace(g))
		}
	}
	if slices.Contains(p.Operators, name) || slices.ContainsFunc(groups, func(g string) bool { return g != "" && slices.Contains(p.OperatorGroups, g) }) {
		role = config.RoleOperator
	}
	return User{Name: name, Role: role, Via: ViaProxy}, true
}

func (m *Manager) fromTrusted(remote string) bool {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	a = a.Unmap()
	return slices.ContainsFunc(m.trusted, func(p netip.Prefix) bool { return p.Contains(a) })
}

// CSRFToken returns the token forms of this browser carry, setting the
// browser's CSRF cookie first if it has none.
func (m *Manager) CSRFToken(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(CSRFCookie); err == nil && len(c.Value) >= 16 {
		return m.sign("csrf", c.Value)
	}
	var b [18]byte
	_, _ = rand.Read(b[:])
	nonce := base64.RawURLEncoding.EncodeToString(b[:])
	http.SetCookie(w, m.cookie(CSRFCookie, nonce, 0))
	// Later handlers of this request read the cookie it now has.
	r.AddCookie(&http.Cookie{Name: CSRFCookie, Value: nonce})
	return m.sign("csrf", nonce)
}

// CheckCSRF verifies the token of a form (field csrf, or the
// X-CSRF-Token header) against the browser's cookie.
func (m *Manager) CheckCSRF(r *http.Request) error {
	c, err := r.Cookie(CSRFCookie)
	if err != nil || c.Value == "" {
		return ErrCSRF
	}
	got := r.PostFormValue(CSRFField)
	if got == "" {
		got = r.Header.Get("X-CSRF-Token")
	}
	if got == "" || !hmac.Equal([]byte(got), []byte(m.sign("csrf", c.Value))) {
		return ErrCSRF
	}
	return nil
}

func (m *Manager) sign(purpose, value string) string {
	return base64.RawURLEncoding.EncodeToString(mac(m.opts.Secret, purpose+"\x00"+value))
}

func mac(key []byte, s string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(s))
	return h.Sum(nil)
}
