package session

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/alertgate/alertgate/config"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func manager(c *clock, proxy *config.ConsoleProxy) *Manager {
	return New(Options{Secret: []byte("k"), TTL: time.Hour, Proxy: proxy, Now: c.now})
}

// withCookies copies the cookies a response set onto a new request.
func withCookies(rec *httptest.ResponseRecorder, r *http.Request) *http.Request {
	for _, c := range rec.Result().Cookies() {
		r.AddCookie(c)
	}
	return r
}

func TestSession_LoginLastsItsTTLThenExpires(t *testing.T) {
	c := &clock{t: time.Unix(1_800_000_000, 0)}
	m := manager(c, nil)
	rec := httptest.NewRecorder()
	m.Login(rec, User{Name: "hanako", Role: config.RoleOperator, Via: ViaToken})
	ck := rec.Result().Cookies()[0]
	if !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode || ck.Path != "/" {
		t.Errorf("cookie %+v, want HttpOnly, SameSite=Strict, Path=/", ck)
	}
	r := withCookies(rec, httptest.NewRequest("GET", "/", nil))
	u, err := m.User(r)
	if err != nil || u.Name != "hanako" || !u.CanAct() {
		t.Fatalf("User = %+v, %v", u, err)
	}
	c.t = c.t.Add(time.Hour)
	if _, err := m.User(r); !errors.Is(err, ErrExpired) {
		t.Errorf("after the TTL: %v, want ErrExpired", err)
	}
}

func TestSession_ForgedAndForeignCookiesAreRefused(t *testing.T) {
	c := &clock{t: time.Unix(1_800_000_000, 0)}
	rec := httptest.NewRecorder()
	New(Options{Secret: []byte("other replica's key"), TTL: time.Hour, Now: c.now}).Login(rec, User{Name: "x", Role: config.RoleOperator})
	m := manager(c, nil)
	for name, value := range map[string]string{
		"signed with another key": rec.Result().Cookies()[0].Value,
		"role edited":             strings.Replace(rec.Result().Cookies()[0].Value, "o", "p", 1),
		"garbage":                 "abc",
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.AddCookie(&http.Cookie{Name: SessionCookie, Value: value})
		if _, err := m.User(r); !errors.Is(err, ErrForged) {
			t.Errorf("%s: %v, want ErrForged", name, err)
		}
	}
	if _, err := m.User(httptest.NewRequest("GET", "/", nil)); !errors.Is(err, ErrNoSession) {
		t.Errorf("no cookie: %v, want ErrNoSession", err)
	}
}

func TestSession_ProxyHeaderIsBelievedOnlyFromTrustedAddresses(t *testing.T) {
	p := &config.ConsoleProxy{UserHeader: "X-Forwarded-User", GroupsHeader: "X-Forwarded-Groups", TrustedAddresses: []string{"10.1.0.0/16", "::1"},
		Operators: []string{"sato"}, OperatorGroups: []string{"sre"}, DefaultRole: config.RoleViewer}
	m := manager(&clock{t: time.Now()}, p)
	tests := []struct {
		name, remote, user, groups string
		want                       User
		ok                         bool
	}{
		{"operator by name", "10.1.2.3:4000", "sato", "", User{"sato", config.RoleOperator, ViaProxy}, true},
		{"operator by group", "[::1]:4000", "kato", "dev, sre", User{"kato", config.RoleOperator, ViaProxy}, true},
		{"everyone else reads", "10.1.9.9:1", "ito", "dev", User{"ito", config.RoleViewer, ViaProxy}, true},
		{"untrusted address", "192.0.2.7:1", "sato", "sre", User{}, false},
		{"no header", "10.1.2.3:1", "", "", User{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tt.remote
			r.Header.Set("X-Forwarded-User", tt.user)
			r.Header.Set("X-Forwarded-Groups", tt.groups)
			u, err := m.User(r)
			if (err == nil) != tt.ok || u != tt.want {
				t.Errorf("User = %+v, %v; want %+v ok=%v", u, err, tt.want, tt.ok)
			}
		})
	}
}

func TestCSRF_TokenBindsToTheBrowsersCookie(t *testing.T) {
	m := manager(&clock{t: time.Now()}, nil)
	rec := httptest.NewRecorder()
	token := m.CSRFToken(rec, httptest.NewRequest("GET", "/", nil))
	post := func(tok string, cookies bool) error {
		r := httptest.NewRequest("POST", "/x", strings.NewReader(url.Values{CSRFField: {tok}}.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if cookies {
			r = withCookies(rec, r)
		}
		return m.CheckCSRF(r)
	}
	if err := post(token, true); err != nil {
		t.Errorf("genuine token: %v", err)
	}
	for name, err := range map[string]error{
		"forged token":    post("forged", true),
		"no token":        post("", true),
		"no CSRF cookie":  post(token, false),
		"another browser": post(m.CSRFToken(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil)), true),
	} {
		if !errors.Is(err, ErrCSRF) {
			t.Errorf("%s: %v, want ErrCSRF", name, err)
		}
	}
}
