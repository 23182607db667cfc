package pagerduty

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	pd "github.com/PagerDuty/go-pagerduty"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/router/notify"
)

const (
	// maxResponseBytes bounds how much of an answer is read.
	maxResponseBytes = 64 << 10
	// maxErrorText bounds PagerDuty's text quoted in an error.
	maxErrorText = 512
	// defaultRetryAfter is the wait after a 429 without Retry-After:
	// PagerDuty suggests retrying 30 seconds apart.
	defaultRetryAfter = 30 * time.Second
	// maxRetryAfter caps a Retry-After, so that a wild header cannot park
	// a page for hours.
	maxRetryAfter = 15 * time.Minute
)

// post sends one encoded event and classifies the answer as PagerDuty's
// documentation does: 202 accepted; 400 never retried; 429, 5xx and
// network errors retried.
func (n *Notifier) post(ctx context.Context, body []byte, routingKey string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, n.endpoint, bytes.NewReader(body))
	if err != nil {
		return notify.Permanent(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", client)
	resp, err := n.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	text, _ := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxResponseBytes))
	err = n.classify(resp, redact(text, routingKey))
	var e *notify.Error
	if resp.StatusCode == http.StatusTooManyRequests && errors.As(err, &e) {
		n.pacer.Hold(routingKey, e.RetryAfter)
	}
	return err
}

// classify turns a response into nil or an error the outbox worker
// understands; text is the response body, already redacted.
func (n *Notifier) classify(resp *http.Response, text string) error {
	code := resp.StatusCode
	status := fmt.Sprintf("%d %s", code, http.StatusText(code))
	switch {
	case code == http.StatusAccepted:
		return nil
	case code == http.StatusBadRequest:
		return notify.Permanent(fmt.Errorf("rejected (%s): %s", status, apiText(text)))
	case code == http.StatusTooManyRequests:
		return notify.RetryAfter(fmt.Errorf("rate limited (%s)", status), retryAfter(resp.Header.Get("Retry-After"), n.now()))
	case code >= 500 || code == http.StatusRequestTimeout:
		return fmt.Errorf("server error (%s): %s", status, apiText(text))
	}
	return notify.Permanent(fmt.Errorf("unexpected answer (%s): %s", status, apiText(text)))
}

// apiText renders PagerDuty's error object ("Event object is invalid:
// 'payload.summary' is missing or blank"), or the raw body when it is
// not one.
func apiText(body string) string {
	var r pd.V2EventResponse
	if err := json.Unmarshal([]byte(body), &r); err == nil && (r.Message != "" || len(r.Errors) > 0) {
		s := firstNonEmpty(r.Message, r.Status)
		if len(r.Errors) > 0 {
			s += ": " + strings.Join(r.Errors, "; ")
		}
		return alert.Truncate(s, maxErrorText)
	}
	if s := strings.Join(strings.Fields(body), " "); s != "" {
		return alert.Truncate(s, maxErrorText)
	}
	return "no details"
}

// retryAfter reads a Retry-After header, in seconds or as an HTTP date.
func retryAfter(h string, now time.Time) time.Duration {
	h = strings.TrimSpace(h)
	if h == "" {
		return defaultRetryAfter
	}
	d := defaultRetryAfter
	if s, err := strconv.Atoi(h); err == nil {
		d = time.Duration(s) * time.Second
	} else if t, err := http.ParseTime(h); err == nil {
		d = t.Sub(now)
	}
	return min(max(d, time.Second), maxRetryAfter)
}

// redact removes the routing key from provider text before it can reach
// an error, the outbox or a log: nothing in PagerDuty's documentation
// says its error messages never quote the key.
func redact(b []byte, routingKey string) string {
	s := string(b)
	if routingKey != "" {
		s = strings.ReplaceAll(s, routingKey, "<routing key>")
	}
	return s
}
