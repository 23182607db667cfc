// Package memhttp connects an HTTP client to a handler in memory, for
// tests of code that talks to a fake service. A client under test can
// then run in a testing/synctest bubble: a goroutine blocked on a real
// socket is never durably blocked, so it would keep the bubble's fake
// clock from advancing, while a handler waiting on a channel lets it.
//
// Each request still goes through the HTTP/1.1 wire format, so the
// handler reads what a server would read (Host, Content-Length, the body
// as sent), and requests for any other host fail as an unreachable
// server would.
package memhttp

import (
	"bufio"
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
)

// Client returns a client whose requests to the scheme and host of
// serverURL are served by h in memory. Each request runs h in a goroutine
// of its own, started by the caller (inside the caller's bubble, if any);
// like a real transport, the request returns the context's error once
// its context ends, whether or not h has answered.
func Client(serverURL string, h http.Handler) *http.Client {
	u, err := url.Parse(serverURL)
	if err != nil || u.Host == "" {
		panic(fmt.Sprintf("memhttp: server URL %q is not absolute", serverURL))
	}
	return &http.Client{Transport: &transport{scheme: u.Scheme, host: u.Host, h: h}}
}

type transport struct {
	scheme, host string
	h            http.Handler
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	refuse := func(err error) (*http.Response, error) {
		if req.Body != nil {
			_ = req.Body.Close()
		}
		return nil, err
	}
	if req.URL.Scheme != t.scheme || req.URL.Host != t.host {
		return refuse(fmt.Errorf("memhttp: dial %s://%s: connection refused", req.URL.Scheme, req.URL.Host))
	}
	if err := req.Context().Err(); err != nil {
		return refuse(err) // a request whose context ended is never sent
	}
	sreq, err := serverRequest(req)
	if err != nil {
		return nil, err
	}
	rec := httptest.NewRecorder()
	done := make(chan struct{})
	go func() {
		defer close(done)
		t.h.ServeHTTP(rec, sreq)
	}()
	select {
	case <-done:
	case <-req.Context().Done():
		return nil, req.Context().Err()
	}
	resp := rec.Result()
	resp.Request = req
	return resp, nil
}

// serverRequest writes req as a client would send it and reads it back
// as a server would receive it, under req's context.
func serverRequest(req *http.Request) (*http.Request, error) {
	var wire bytes.Buffer
	if err := req.Write(&wire); err != nil {
		return nil, fmt.Errorf("memhttp: write request: %w", err)
	}
	sreq, err := http.ReadRequest(bufio.NewReader(&wire))
	if err != nil {
		return nil, fmt.Errorf("memhttp: read request: %w", err)
	}
	sreq.RemoteAddr = "192.0.2.1:1234" // as httptest.NewRequest
	return sreq.WithContext(req.Context()), nil
}
