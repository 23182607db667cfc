package pagerduty

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/alertgate/alertgate/router/notify"
)

// verdict is how the outbox worker reads an error.
type verdict struct {
	ok         bool
	permanent  bool
	retryAfter time.Duration
}

func verdictOf(err error) verdict {
	if err == nil {
		return verdict{ok: true}
	}
	var e *notify.Error
	if errors.As(err, &e) {
		return verdict{permanent: e.Permanent, retryAfter: e.RetryAfter}
	}
	return verdict{}
}

func TestNotify_ClassifiesPagerDutyAnswersForTheOutbox(t *testing.T) {
	transient := verdict{}
	tests := []struct {
		name       string
		receiver   string
		failStatus int
		retryAfter string
		want       verdict
		wantText   string
		wantSent   int
	}{
		{"202 is success", "oncall", 0, "", verdict{ok: true}, "", 1},
		{"500 is transient", "oncall", 500, "", transient, "server error (500 Internal Server Error)", 1},
		{"503 is transient", "oncall", 503, "", transient, "503", 1},
		{"429 with Retry-After waits that long", "oncall", 429, "2", verdict{retryAfter: 2 * time.Second}, "rate limited (429", 1},
		{"429 without Retry-After waits 30 s", "oncall", 429, "", verdict{retryAfter: 30 * time.Second}, "rate limited", 1},
		{"429 with an HTTP date", "oncall", 429, time.Now().Add(time.Minute).UTC().Format(http.TimeFormat), verdict{retryAfter: -1}, "rate limited", 1},
		{"400 is permanent", "oncall", 400, "", verdict{permanent: true}, "rejected (400 Bad Request)", 1},
		{"400 quotes PagerDuty's errors", "badkey", 0, "", verdict{permanent: true}, "Length of 'routing_key' is incorrect", 1},
		{"404 is permanent", "oncall", 404, "", verdict{permanent: true}, "unexpected answer (404", 1},
		{"unknown receiver is permanent and sends nothing", "nobody", 0, "", verdict{permanent: true}, `receiver "nobody" has no routing key`, 0},
		{"receiver with an empty key is permanent", "emptykey", 0, "", verdict{permanent: true}, "no routing key", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, nil)
			if tt.failStatus != 0 {
				f.pd.FailNext(1, tt.failStatus, tt.retryAfter)
			}
			nt := notification(notify.KindTrigger, firing("A", nil))
			nt.Target.Receiver = tt.receiver
			err := f.n.Notify(t.Context(), nt)
			got := verdictOf(err)
			if tt.want.retryAfter == -1 { // an HTTP date: about a minute
				if got.retryAfter < 50*time.Second || got.retryAfter > 61*time.Second {
					t.Errorf("retry after %s, want about a minute", got.retryAfter)
				}
				got.retryAfter = -1
			}
			if got != tt.want {
				t.Errorf("verdict %+v, want %+v (err: %v)", got, tt.want, err)
			}
			if err != nil && !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("error %q, want it to contain %q", err, tt.wantText)
			}
			if err != nil && !strings.Contains(err.Error(), "pagerduty trigger inc-1") {
				t.Errorf("error %q does not name the action and incident", err)
			}
			if got := f.pd.Requests(); got != tt.wantSent {
				t.Errorf("%d requests, want %d", got, tt.wantSent)
			}
		})
	}
}

func TestNotify_UnknownIntegrationIsPermanentWithPagerDutysReason(t *testing.T) {
	f := newFixture(t, nil)
	f.pd.ValidRoutingKeys(keyTeam)
	err := f.n.Notify(t.Context(), notification(notify.KindTrigger, firing("A", nil)))
	if v := verdictOf(err); !v.permanent || !strings.Contains(err.Error(), "Invalid routing key") {
		t.Errorf("got %v, want a permanent error naming the invalid routing key", err)
	}
}

func TestNotify_NetworkErrorIsTransient(t *testing.T) {
	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close()
	n := New(Config{URL: dead.URL, RoutingKey: routingKeys})
	err := n.Notify(t.Context(), notification(notify.KindTrigger, firing("A", nil)))
	if err == nil || verdictOf(err) != (verdict{}) {
		t.Errorf("got %v (%+v), want a plain transient error", err, verdictOf(err))
	}
}

func TestNotify_CanceledContextKeepsItsCause(t *testing.T) {
	f := newFixture(t, nil)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	err := f.n.Notify(ctx, notification(notify.KindTrigger, firing("A", nil)))
	if !errors.Is(err, context.Canceled) || verdictOf(err).permanent {
		t.Errorf("got %v, want a transient error wrapping context.Canceled", err)
	}
}

func TestNotify_EmptyIncidentIsPermanent(t *testing.T) {
	f := newFixture(t, nil)
	nt := notification(notify.KindTrigger, firing("A", nil))
	nt.Incident = ""
	if err := f.n.Notify(t.Context(), nt); !verdictOf(err).permanent || !errors.Is(err, errNoIncident) {
		t.Errorf("got %v, want permanent errNoIncident", err)
	}
}

func TestNotify_RoutingKeyNeverAppearsInErrorsOrLogs(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.PerKeyRate = 0.01 })
	var errs []string
	send := func(receiver string, kind notify.Kind) {
		nt := notification(kind, firing("A", nil))
		nt.Target.Receiver = receiver
		if err := f.n.Notify(t.Context(), nt); err != nil {
			errs = append(errs, err.Error())
		}
	}
	send("oncall", notify.KindTrigger) // accepted, logged at debug
	send("oncall", notify.KindResolve) // paced
	send("badkey", notify.KindTrigger) // 400 from PagerDuty
	f.pd.FailNext(3, 500, "")
	send("team", notify.KindTrigger) // 500
	f.pd.ValidRoutingKeys()
	send("emptykey", notify.KindTrigger) // no key
	send("nobody", notify.KindTrigger)   // unknown receiver
	if len(errs) != 5 {
		t.Fatalf("%d errors, want 5: %q", len(errs), errs)
	}
	text := strings.Join(errs, "\n") + f.logs.String()
	for _, key := range []string{keyOnCall, keyTeam, keyShort} {
		if strings.Contains(text, key) {
			t.Errorf("routing key %s leaked:\n%s", key, text)
		}
	}
}

func TestRedact_RemovesTheRoutingKeyFromProviderText(t *testing.T) {
	body := `{"status":"invalid event","message":"Event object is invalid","errors":["bad event for ` + keyOnCall + `"]}`
	got := apiText(redact([]byte(body), keyOnCall))
	if strings.Contains(got, keyOnCall) || !strings.Contains(got, "Event object is invalid: bad event for <routing key>") {
		t.Errorf("apiText = %q", got)
	}
}

func TestRetryAfter_ParsesSecondsAndDatesWithinBounds(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		header string
		want   time.Duration
	}{
		{"", defaultRetryAfter},
		{"2", 2 * time.Second},
		{"0", time.Second},
		{"junk", defaultRetryAfter},
		{"99999", maxRetryAfter},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{now.Add(-time.Hour).Format(http.TimeFormat), time.Second},
	}
	for _, tt := range tests {
		if got := retryAfter(tt.header, now); got != tt.want {
			t.Errorf("retryAfter(%q) = %s, want %s", tt.header, got, tt.want)
		}
	}
}
