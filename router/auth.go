package router

import (
	"crypto/hmac"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/alertgate/alertgate/config"
	"github.com/alertgate/alertgate/internal/hmacsig"
)

// authError is why a request was not authenticated.
type authError string

func (e authError) Error() string { return string(e) }

// SignatureHeader carries an HMAC signature of a webhook body:
// "t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + body)>", for
// senders that can sign (a proxy in front of New Relic, a custom
// integration) instead of sending a static bearer token.
const SignatureHeader = "X-Alertgate-Signature"

// signatureTolerance is how old a signed request may be; older ones are
// rejected as possible replays.
const signatureTolerance = 5 * time.Minute

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
	if !want.Equal(strings.TrimSpace(token)) {
		return authError("invalid bearer token")
	}
	return nil
}

// checkSignature verifies an X-Alertgate-Signature header over body.
func checkSignature(header string, body []byte, secret config.Secret, now time.Time) error {
	var ts, sig string
	for part := range strings.SplitSeq(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			sig = v
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || sig == "" {
		return authError("malformed " + SignatureHeader + " (want t=<unix>,v1=<hex>)")
	}
	if d := now.Sub(time.Unix(sec, 0)); d > signatureTolerance || d < -signatureTolerance {
		return authError("stale " + SignatureHeader + ": timestamp more than 5 minutes away")
	}
	got, err := hex.DecodeString(sig)
	if err != nil || !hmac.Equal(got, Sign(secret, ts, body)) {
		return authError("invalid " + SignatureHeader)
	}
	return nil
}

// Sign computes the v1 signature of body at timestamp ts (unix seconds).
func Sign(secret config.Secret, ts string, body []byte) []byte {
	return hmacsig.Sign([]byte(secret.Reveal()), ts, body)
}
