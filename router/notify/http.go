package notify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Bounds on a provider's Retry-After: a missing header waits
// DefaultRetryAfter, and a wild one cannot park a notification for hours.
const (
	DefaultRetryAfter = 30 * time.Second
	MaxRetryAfter     = 15 * time.Minute
)

// ParseRetryAfter reads a Retry-After header, in seconds or as an HTTP
// date, bounded to [1s, MaxRetryAfter]; empty or unreadable means def.
func ParseRetryAfter(h string, now time.Time, def time.Duration) time.Duration {
	h = strings.TrimSpace(h)
	d := def
	if s, err := strconv.Atoi(h); err == nil {
		d = time.Duration(s) * time.Second
	} else if t, err := http.ParseTime(h); err == nil {
		d = t.Sub(now)
	}
	return min(max(d, time.Second), MaxRetryAfter)
}

// HTTPStatus classifies a provider's HTTP answer the way most HTTP APIs
// document it: 2xx is accepted (nil); 429 waits for Retry-After; 408,
// 425 and 5xx are the provider's trouble and retried with backoff; any
// other 4xx is a request the provider will never accept, permanent.
// detail is the provider's explanation, already bounded and redacted.
func HTTPStatus(resp *http.Response, now time.Time, detail string) error {
	code := resp.StatusCode
	if code >= 200 && code < 300 {
		return nil
	}
	err := fmt.Errorf("%d %s", code, http.StatusText(code))
	if detail != "" {
		err = fmt.Errorf("%d %s: %s", code, http.StatusText(code), detail)
	}
	switch {
	case code == http.StatusTooManyRequests:
		return RetryAfter(err, ParseRetryAfter(resp.Header.Get("Retry-After"), now, DefaultRetryAfter))
	case code == http.StatusRequestTimeout, code == http.StatusTooEarly, code >= 500:
		return err
	}
	return Permanent(err)
}

// RedactURL replaces a transport error, which names the URL it failed to
// reach, with one that does not: a webhook's URL is its credential.
// Errors without a URL are returned as they are.
func RedactURL(err error) error {
	var ue *url.Error
	if !errors.As(err, &ue) {
		return err
	}
	return &url.Error{Op: ue.Op, URL: "[redacted URL]", Err: ue.Err}
}

// HoldOn429 holds key in p for the wait err asks, when resp is a 429:
// everything sent meanwhile would be refused too.
func HoldOn429(p *Pacer, key string, resp *http.Response, err error) {
	var e *Error
	if resp.StatusCode == http.StatusTooManyRequests && errors.As(err, &e) && e.RetryAfter > 0 {
		p.Hold(key, e.RetryAfter)
	}
}

// maxAnswer bounds how much of a provider's answer is read.
const maxAnswer = 64 << 10

// Send makes one JSON request and returns the response (its body read,
// at most 64 KB, and closed) with the body's text. A transport error is
// returned with the URL redacted.
func Send(ctx context.Context, c *http.Client, method, rawURL string, header http.Header, body []byte) (*http.Response, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, rawURL, bytes.NewReader(body))
	if err != nil {
		return nil, nil, Permanent(RedactURL(err))
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("User-Agent", "alertgate")
	resp, err := c.Do(req)
	if err != nil {
		return nil, nil, RedactURL(err)
	}
	defer resp.Body.Close()
	text, _ := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxAnswer))
	return resp, text, nil
}
