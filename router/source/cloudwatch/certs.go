package cloudwatch

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
)

// maxCertSize caps a downloaded certificate; SNS's PEM files are about
// 2 KiB.
const maxCertSize = 64 << 10

// certCache keeps parsed signing certificates by URL. It is bounded and
// evicts the oldest entry first: SNS rotates certificates rarely, so the
// working set is tiny and recency tracking would buy nothing.
type certCache struct {
	mu    sync.Mutex
	max   int
	certs map[string]*x509.Certificate
	order []string
}

func newCertCache(max int) *certCache {
	return &certCache{max: max, certs: make(map[string]*x509.Certificate, max)}
}

func (c *certCache) get(url string) *x509.Certificate {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.certs[url]
}

func (c *certCache) put(url string, cert *x509.Certificate) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.certs[url]; ok {
		return
	}
	if len(c.order) >= c.max {
		delete(c.certs, c.order[0])
		c.order = c.order[1:]
	}
	c.certs[url] = cert
	c.order = append(c.order, url)
}

// certificate returns the signing certificate at rawURL, a URL on host
// that passed checkCertURL: from the cache, or fetched and verified
// (verifyChain) before it is cached.
func (r *Receiver) certificate(ctx context.Context, rawURL, host string) (*x509.Certificate, error) {
	if cert := r.certs.get(rawURL); cert != nil {
		return cert, nil
	}
	certs, err := r.fetchCertificates(ctx, "SigningCertURL", rawURL)
	if err != nil {
		return nil, fmt.Errorf("signing certificate: %w", err)
	}
	cert := certs[0]
	if err := r.verifyChain(ctx, rawURL, host, cert, certs[1:]); err != nil {
		return nil, err
	}
	r.certs.put(rawURL, cert)
	r.log.Debug("sns signing certificate fetched", "cert_url", rawURL, "not_after", cert.NotAfter)
	return cert, nil
}

// fetchCertificates fetches the certificates at rawURL: PEM blocks (the
// first is the one the URL is about, the rest may be its issuers) or a
// single DER certificate, as CA issuer URLs serve them.
func (r *Receiver) fetchCertificates(ctx context.Context, field, rawURL string) ([]*x509.Certificate, error) {
	body, err := r.get(ctx, field, rawURL, maxCertSize)
	if err != nil {
		return nil, err
	}
	var certs []*x509.Certificate
	for rest := body; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, forbidden(field, "certificate at %s does not parse: %v", rawURL, err)
		}
		certs = append(certs, cert)
	}
	if len(certs) == 0 {
		cert, err := x509.ParseCertificate(body)
		if err != nil {
			return nil, forbidden(field, "%s is not a certificate", rawURL)
		}
		certs = append(certs, cert)
	}
	return certs, nil
}

// snsCertName is the name SNS's signing certificates are issued for; one
// issued for the regional endpoint it was fetched from is accepted too.
const snsCertName = "sns.amazonaws.com"

// maxIssuerFetches bounds the CA issuer certificates fetched for one
// signing certificate (Amazon's chains have one intermediate).
const maxIssuerFetches = 2

// verifyChain checks that cert, fetched from host, chains to a trusted
// root and was issued for SNS. SNS serves the signing certificate alone,
// without the intermediate that issued it, so a chain that does not
// verify is completed from the CA issuer URL the certificate names
// (Authority Information Access), fetched only from Amazon Trust
// Services' hosts: the certificate is not trusted yet, so the URLs it
// names are not either.
func (r *Receiver) verifyChain(ctx context.Context, rawURL, host string, cert *x509.Certificate, extra []*x509.Certificate) error {
	inter := x509.NewCertPool()
	for _, c := range extra {
		inter.AddCert(c)
	}
	opts := x509.VerifyOptions{Roots: r.roots, Intermediates: inter, CurrentTime: r.now(), KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}
	_, err := cert.Verify(opts)
	for issuer, fetched := cert, 0; err != nil && fetched < maxIssuerFetches; fetched++ {
		var unknown x509.UnknownAuthorityError
		if !errors.As(err, &unknown) {
			break
		}
		next, ferr := r.fetchIssuer(ctx, issuer)
		if ferr != nil {
			return ferr
		}
		if next == nil {
			break
		}
		inter.AddCert(next)
		issuer = next
		_, err = cert.Verify(opts)
	}
	if err != nil {
		return forbidden("SigningCertURL", "certificate at %s does not chain to a trusted root: %v", rawURL, err)
	}
	if !issuedFor(cert, snsCertName) && !issuedFor(cert, host) {
		return forbidden("SigningCertURL", "certificate at %s is issued for %q, not for %s", rawURL, cert.Subject.CommonName, snsCertName)
	}
	return nil
}

// fetchIssuer fetches the certificate that issued c from the first of
// its CA issuer URLs on an Amazon Trust Services host; nil if it names
// none.
func (r *Receiver) fetchIssuer(ctx context.Context, c *x509.Certificate) (*x509.Certificate, error) {
	for _, raw := range c.IssuingCertificateURL {
		if !isAmazonTrustURL(raw) {
			continue
		}
		if cached := r.certs.get(raw); cached != nil {
			return cached, nil
		}
		certs, err := r.fetchCertificates(ctx, "SigningCertURL", raw)
		if err != nil {
			return nil, fmt.Errorf("issuer of the signing certificate: %w", err)
		}
		r.certs.put(raw, certs[0])
		return certs[0], nil
	}
	return nil, nil
}

// isAmazonTrustURL reports whether raw is a plain http(s) URL on a host of
// Amazon Trust Services (crt.r2m01.amazontrust.com), where Amazon's CA
// publishes its issuer certificates. Plain http is what AIA URLs use; the
// certificate fetched is verified by its own signature, not the channel.
func isAmazonTrustURL(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.User != nil || u.Port() != "" {
		return false
	}
	sub, ok := strings.CutSuffix(u.Host, ".amazontrust.com")
	return ok && sub != "" && !strings.ContainsFunc(sub, func(r rune) bool {
		return !(r == '.' || r == '-' || 'a' <= r && r <= 'z' || '0' <= r && r <= '9')
	})
}

// issuedFor reports whether c names host, as a DNS name or, for older
// certificates without any, as its common name.
func issuedFor(c *x509.Certificate, host string) bool {
	if c.VerifyHostname(host) == nil {
		return true
	}
	return len(c.DNSNames) == 0 && strings.EqualFold(c.Subject.CommonName, host)
}

// get fetches rawURL, taken from the message's field, and returns at most
// limit bytes of a 2xx body. A network failure, a 5xx or a 429 wraps
// ErrUpstream (worth retrying); any other answer means the URL the sender
// gave is wrong, which no retry will fix, and is a 403.
func (r *Receiver) get(ctx context.Context, field, rawURL string, limit int64) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, forbidden(field, "cannot request %s: %v", rawURL, err)
	}
	resp, err := r.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w: %w", rawURL, ErrUpstream, err)
	}
	defer resp.Body.Close()
	if err := checkStatus(field, rawURL, resp.StatusCode); err != nil {
		return nil, err
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("GET %s: read body: %w: %w", rawURL, ErrUpstream, err)
	}
	if int64(len(body)) > limit {
		return nil, forbidden(field, "%s answered more than %d bytes", rawURL, limit)
	}
	return body, nil
}

func checkStatus(field, rawURL string, code int) error {
	switch {
	case code >= 200 && code < 300:
		return nil
	case code >= 500 || code == http.StatusTooManyRequests:
		return fmt.Errorf("GET %s: %w: HTTP %d", rawURL, ErrUpstream, code)
	}
	return forbidden(field, "GET %s answered HTTP %d", rawURL, code)
}
