package session

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/alertgate/alertgate/config"
)

// FuzzUser feeds arbitrary session cookies and proxy headers: never a
// panic, and never a user from a cookie alertgate did not sign.
func FuzzUser(f *testing.F) {
	m := New(Options{Secret: []byte("k"), TTL: time.Hour, Proxy: &config.ConsoleProxy{UserHeader: "X-User", TrustedAddresses: []string{"10.0.0.0/8"}, DefaultRole: config.RoleViewer}})
	rec := httptest.NewRecorder()
	m.Login(rec, User{Name: "hanako", Role: config.RoleOperator})
	f.Add(rec.Result().Cookies()[0].Value, "", "192.0.2.1:1")
	f.Add("e30.AAAA", "sato", "10.1.2.3:4")
	f.Add(".", "", "[::1]:1")
	f.Fuzz(func(t *testing.T, cookie, user, remote string) {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.RemoteAddr = remote
		r.Header.Set("X-User", user)
		r.AddCookie(&http.Cookie{Name: SessionCookie, Value: cookie})
		u, err := m.User(r)
		if err == nil && u.Via != ViaProxy && cookie != rec.Result().Cookies()[0].Value {
			t.Errorf("a cookie alertgate did not sign gave %+v", u)
		}
	})
}
