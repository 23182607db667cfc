package cloudwatch

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha1" // SignatureVersion 1 is SHA1withRSA; SNS still sends it by default.
	"crypto/sha256"
	"encoding/base64"
	"time"

	"github.com/alertgate/alertgate/router/source"
)

// verify checks that m was signed by SNS. Everything that can be checked
// without the network comes first (the signature's form, the message's
// age, the certificate URL's host), so that no forgery or replay makes
// alertgate fetch anything. Then the certificate: fetched over TLS only
// from the SNS endpoint of a region, it must chain to a trusted root and
// be issued for sns.amazonaws.com (or that regional endpoint), be within
// its validity period, and its RSA key must verify the signature over the
// canonical string.
func (r *Receiver) verify(ctx context.Context, m *envelope) error {
	hash, err := signatureHash(m.SignatureVersion)
	if err != nil {
		return err
	}
	sig, err := base64.StdEncoding.DecodeString(m.Signature)
	if err != nil {
		return source.BadRequest("Signature", "not base64: %v", err)
	}
	if err := r.fresh(m); err != nil {
		return err
	}
	u, err := checkCertURL(m.SigningCertURL)
	if err != nil {
		return forbidden("SigningCertURL", "%s is not an SNS certificate URL: %v", m.SigningCertURL, err)
	}
	cert, err := r.certificate(ctx, m.SigningCertURL, u.Host)
	if err != nil {
		return err
	}
	if now := r.now(); now.Before(cert.NotBefore) || now.After(cert.NotAfter) {
		return forbidden("SigningCertURL", "certificate at %s is valid only from %s to %s",
			m.SigningCertURL, cert.NotBefore.Format(time.RFC3339), cert.NotAfter.Format(time.RFC3339))
	}
	key, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok {
		return forbidden("SigningCertURL", "certificate at %s has a %T key, SNS signs with RSA", m.SigningCertURL, cert.PublicKey)
	}
	if err := rsa.VerifyPKCS1v15(key, hash, digest(hash, m.stringToSign()), sig); err != nil {
		return forbidden("Signature", "signature does not match the message")
	}
	return nil
}

// SNS gives up on an HTTP/S delivery within an hour (a hard limit of its
// delivery policies), so a genuine message is never much older than that.
// An older one carrying a valid signature is a replay of a captured
// message; clocks may differ by the skew either way.
const (
	maxMessageAge = time.Hour
	maxClockSkew  = 15 * time.Minute
)

// fresh rejects a signed message published too long ago (or too far in
// the future) to be a delivery SNS is still making.
func (r *Receiver) fresh(m *envelope) error {
	published, err := time.Parse(time.RFC3339Nano, m.Timestamp)
	if err != nil {
		return source.BadRequest("Timestamp", "not an RFC 3339 time: %q", m.Timestamp)
	}
	if age := r.now().Sub(published); age > maxMessageAge+maxClockSkew || age < -maxClockSkew {
		return forbidden("Timestamp", "message published at %s, %s from now: SNS retries deliveries for an hour at most, so this is a replay or a clock is wrong",
			published.UTC().Format(time.RFC3339), age.Round(time.Second))
	}
	return nil
}

// signatureHash maps SNS's SignatureVersion to the hash it signs with.
func signatureHash(version string) (crypto.Hash, error) {
	switch version {
	case "1":
		return crypto.SHA1, nil
	case "2":
		return crypto.SHA256, nil
	}
	return 0, source.BadRequest("SignatureVersion", "unsupported signature version %q, want 1 or 2", version)
}

func digest(h crypto.Hash, b []byte) []byte {
	if h == crypto.SHA1 {
		sum := sha1.Sum(b)
		return sum[:]
	}
	sum := sha256.Sum256(b)
	return sum[:]
}
