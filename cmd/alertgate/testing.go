//go:build e2e

package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/alertgate/alertgate/config"
)

// testingFlags are hooks for end-to-end tests of the real binary, built
// only with the e2e build tag: the shipped binary has no such flag and
// ignores ALERTGATE_TESTING_* variables. Even here they are off unless
// given, and each logs a loud warning.
type testingFlags struct {
	// clock makes the server's clock settable through
	// POST /-/testing/clock (admin token required), so tests can check
	// business hours, repeat intervals and escalations without waiting.
	clock bool
	// snsCA and snsAddr let a test CA stand in for AWS: certificates and
	// subscription confirmations are fetched from snsAddr, trusting snsCA.
	// The host rule on SigningCertURL still applies.
	snsCA   string
	snsAddr string
}

func (t *testingFlags) register(fs *flag.FlagSet) {
	fs.BoolVar(&t.clock, "testing-clock", false, "TESTS ONLY: make the clock settable with POST /-/testing/clock")
	fs.StringVar(&t.snsCA, "testing-sns-ca", "", "TESTS ONLY: trust this CA `FILE` instead of AWS for SNS certificates")
	fs.StringVar(&t.snsAddr, "testing-sns-addr", "", "TESTS ONLY: fetch SNS certificates from this `HOST:PORT`")
}

// testingHooks sets up the test-only clock and SNS client, if asked.
func testingHooks(t *testingFlags, log *slog.Logger) (hooks, error) {
	h := hooks{now: time.Now}
	if t.clock {
		log.Warn("TESTING: the clock is settable through POST /-/testing/clock; never use this in production")
		clock := &testClock{}
		h.now = clock.Now
		h.wrap = func(next http.Handler, token config.Secret) http.Handler {
			mux := http.NewServeMux()
			mux.Handle("POST /-/testing/clock", clock.handler(token))
			mux.Handle("/", next)
			return mux
		}
	}
	if t.snsCA == "" && t.snsAddr == "" {
		return h, nil
	}
	if t.snsCA == "" || t.snsAddr == "" {
		return h, fmt.Errorf("--testing-sns-ca and --testing-sns-addr go together")
	}
	log.Warn("TESTING: SNS certificates are fetched from a test server; never use this in production", "addr", t.snsAddr)
	var err error
	h.sns, h.snsRoots, err = snsClient(t.snsCA, t.snsAddr)
	return h, err
}

// testClock is a clock tests can set; it runs on in real time from the
// last time set.
type testClock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

// handler serves POST /-/testing/clock {"now": RFC3339} or
// {"advance": "15m"} and answers the clock's time.
func (c *testClock) handler(token config.Secret) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		bearer, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !token.IsSet() || !ok || !token.Equal(bearer) {
			http.Error(w, `{"error":"admin token required"}`, http.StatusUnauthorized)
			return
		}
		var req struct {
			Now     time.Time `json:"now"`
			Advance string    `json:"advance"`
		}
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4096)).Decode(&req); err != nil {
			http.Error(w, `{"error":"want {\"now\": RFC3339} or {\"advance\": duration}"}`, http.StatusBadRequest)
			return
		}
		c.mu.Lock()
		switch {
		case !req.Now.IsZero():
			c.offset = time.Until(req.Now)
		case req.Advance != "":
			if d, err := time.ParseDuration(req.Advance); err == nil {
				c.offset += d
			}
		}
		c.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]time.Time{"now": c.Now()})
	}
}

// snsClient is an HTTP client that reaches snsAddr for every host and
// trusts only the CA in caFile, and a pool of that CA for signing
// certificates to chain to.
func snsClient(caFile, addr string) (*http.Client, *x509.CertPool, error) {
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, nil, fmt.Errorf("--testing-sns-ca: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, nil, fmt.Errorf("--testing-sns-ca: no certificate in %s", caFile)
	}
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	return &http.Client{
		Timeout: 5 * time.Second,
		Transport: &http.Transport{
			TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12},
			DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
				return dialer.DialContext(ctx, network, addr)
			},
		},
	}, pool, nil
}
