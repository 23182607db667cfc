package router

import (
	"crypto/subtle"
	"net/http"
	"strings"

	"github.com/alertgate/alertgate/config"
)

// authError is why a request was not authenticated.
type authError string

func (e authError) Error() string { return string(e) }

// checkBearer verifies an "Authorization: Bearer <token>" header against
// want in constant time. An empty want accepts everything: config
// validation only allows that with allow_unauthenticated.
func checkBearer(r *http.Request, want config.Secret) error {
	if !want.IsSet() {
		return nil
	}
	h := r.Header.Get("Authorization")
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return authError("missing bearer token (Authorization: Bearer <token>)")
	}
	if subtle.ConstantTimeCompare([]byte(strings.TrimSpace(token)), []byte(want.Reveal())) != 1 {
		return authError("invalid bearer token")
	}
	return nil
}
