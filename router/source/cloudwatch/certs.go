package cloudwatch

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
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

// certificate returns the certificate at rawURL, from the cache or fetched.
// The URL must already have passed checkCertURL.
func (r *Receiver) certificate(ctx context.Context, rawURL string) (*x509.Certificate, error) {
	if cert := r.certs.get(rawURL); cert != nil {
		return cert, nil
	}
	cert, err := r.fetchCertificate(ctx, rawURL)
	if err != nil {
		return nil, err
	}
	r.certs.put(rawURL, cert)
	r.log.Debug("sns signing certificate fetched", "cert_url", rawURL, "not_after", cert.NotAfter)
	return cert, nil
}

func (r *Receiver) fetchCertificate(ctx context.Context, rawURL string) (*x509.Certificate, error) {
	body, err := r.get(ctx, "SigningCertURL", rawURL, maxCertSize)
	if err != nil {
		return nil, fmt.Errorf("signing certificate: %w", err)
	}
	block, _ := pem.Decode(body)
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, forbidden("SigningCertURL", "%s is not a PEM certificate", rawURL)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, forbidden("SigningCertURL", "certificate at %s does not parse: %v", rawURL, err)
	}
	return cert, nil
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
