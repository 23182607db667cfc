package memhttp_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/alertgate/alertgate/internal/memhttp"
)

func TestClient_HandlerReadsTheRequestAsAServerWould(t *testing.T) {
	type seen struct {
		method, uri, host, contentType, body string
		contentLength                        int64
	}
	var got seen
	c := memhttp.Client("http://api.example", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got = seen{r.Method, r.RequestURI, r.Host, r.Header.Get("Content-Type"), string(b), r.ContentLength}
		w.Header().Set("Retry-After", "3")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = io.WriteString(w, "slow down")
	}))
	resp, err := c.Post("http://api.example/v2/enqueue?x=1", "application/json", strings.NewReader(`{"a":1}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	want := seen{"POST", "/v2/enqueue?x=1", "api.example", "application/json", `{"a":1}`, 7}
	if got != want {
		t.Errorf("handler saw %+v, want %+v", got, want)
	}
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "3" || string(body) != "slow down" {
		t.Errorf("client got %d, Retry-After %q, body %q", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
}

func TestClient_OtherHostsAreUnreachable(t *testing.T) {
	called := false
	c := memhttp.Client("http://api.example", http.HandlerFunc(func(http.ResponseWriter, *http.Request) { called = true }))
	for _, u := range []string{"http://other.example/", "https://api.example/", "http://api.example:8080/"} {
		if resp, err := c.Get(u); err == nil {
			resp.Body.Close()
			t.Errorf("GET %s succeeded", u)
		}
	}
	if called {
		t.Error("the handler served a request for another host")
	}
}

func TestClient_RequestWithAnEndedContextIsNotSent(t *testing.T) {
	called := false
	c := memhttp.Client("http://api.example", http.HandlerFunc(func(http.ResponseWriter, *http.Request) { called = true }))
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://api.example/", nil)
	if resp, err := c.Do(req); !errors.Is(err, context.Canceled) {
		if err == nil {
			resp.Body.Close()
		}
		t.Errorf("Do = %v, want context.Canceled", err)
	}
	if called {
		t.Error("the handler served a request whose context had ended")
	}
}

func TestClient_RequestEndsWithItsContextInABubble(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		release := make(chan struct{})
		handlerDone := make(chan struct{})
		c := memhttp.Client("http://api.example", http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
			defer close(handlerDone)
			<-release // a server that ignores the client giving up
		}))
		ctx, cancel := context.WithTimeout(t.Context(), 3*time.Second)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://api.example/", nil)
		start := time.Now()
		resp, err := c.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) != 3*time.Second {
			t.Errorf("Do = %v after %s, want DeadlineExceeded after exactly 3s", err, time.Since(start))
		}
		close(release)
		<-handlerDone
	})
}
