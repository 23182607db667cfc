package session

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
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
		if err == nil && u.Via != ViaProxy && !signedWithK(r) {
			t.Errorf("a cookie alertgate did not sign gave %+v", u)
		}
	})
}

// signedWithK reports whether the session cookie the request carries
// (net/http drops bytes a cookie may not hold, so not always the
// fuzzer's string) has the HMAC of its payload under the key "k",
// computed here independently of the package's own signing.
func signedWithK(r *http.Request) bool {
	c, err := r.Cookie(SessionCookie)
	if err != nil {
		return false
	}
	p, sig, ok := strings.Cut(c.Value, ".")
	if !ok {
		return false
	}
	h := hmac.New(sha256.New, []byte("k"))
	h.Write([]byte("session\x00" + p))
	return sig == base64.RawURLEncoding.EncodeToString(h.Sum(nil))
}
