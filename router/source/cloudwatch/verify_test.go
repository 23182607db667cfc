package cloudwatch_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/alertgate/alertgate/router/source"
	"github.com/alertgate/alertgate/router/source/cloudwatch"
	"github.com/alertgate/alertgate/router/source/cloudwatch/snstest"
)

// wantInternal fails unless err is trouble on our side: not a
// *source.Error, and wrapping ErrUpstream.
func wantInternal(t testing.TB, err error) {
	t.Helper()
	var se *source.Error
	switch {
	case err == nil:
		t.Fatal("no error, want an internal one")
	case errors.As(err, &se):
		t.Fatalf("error %v is a *source.Error (%d), want an internal error", err, se.Status)
	case !errors.Is(err, cloudwatch.ErrUpstream):
		t.Errorf("error %v does not wrap ErrUpstream", err)
	}
}

func TestReceive_AcceptsBothSignatureVersions(t *testing.T) {
	s := snstest.New(t)
	for _, version := range []string{"1", "2"} {
		for _, name := range []string{"notification-alarm", "notification-plain-text", "subscription-confirmation", "unsubscribe-confirmation"} {
			t.Run("SignatureVersion "+version+"/"+name, func(t *testing.T) {
				m := load(t, name)
				r := newReceiver(s, autoConfirm, clockAt(t, m))
				body := s.SignedBody(m, version)
				if _, err := r.Receive(context.Background(), m.Header(), body); err != nil {
					t.Fatal(err)
				}
			})
		}
	}
}

func TestReceive_RejectsTamperedMessages(t *testing.T) {
	s := snstest.New(t)
	tests := []struct {
		name   string
		file   string
		tamper func(*snstest.Message)
	}{
		{"Message changed", "notification-alarm", func(m *snstest.Message) {
			m.Message = strings.Replace(m.Message, `"ALARM"`, `"OK"`, 1)
		}},
		{"Subject changed", "notification-alarm", func(m *snstest.Message) { m.Subject = "OK: all good" }},
		{"Subject removed", "notification-alarm", func(m *snstest.Message) { m.Subject = "" }},
		{"Subject added", "notification-event-json", func(m *snstest.Message) { m.Subject = "added" }},
		{"Timestamp changed", "notification-alarm", func(m *snstest.Message) { m.Timestamp = "2026-03-04T05:06:08.180Z" }},
		{"MessageId changed", "notification-alarm", func(m *snstest.Message) { m.MessageID = "00000000-0000-0000-0000-000000000000" }},
		{"TopicArn changed to another allowed topic", "notification-alarm", func(m *snstest.Message) { m.TopicArn = topicVirginia }},
		{"SubscribeURL changed", "subscription-confirmation", func(m *snstest.Message) {
			m.SubscribeURL = strings.Replace(m.SubscribeURL, "Token=", "Token=0", 1)
		}},
		{"Token changed", "subscription-confirmation", func(m *snstest.Message) { m.Token += "0" }},
		{"signature from another version", "notification-alarm", func(m *snstest.Message) { m.SignatureVersion = "1" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := load(t, tt.file)
			r := newReceiver(s, autoConfirm, clockAt(t, m))
			s.Sign(m, "2")
			tt.tamper(m)
			_, err := r.Receive(context.Background(), nil, m.Body())
			wantSourceError(t, err, http.StatusForbidden, "Signature")
		})
	}
	if n := len(s.Confirmations()); n != 0 {
		t.Errorf("%d subscriptions confirmed from tampered messages", n)
	}
}

func TestReceive_RejectsSignatureByAnotherKey(t *testing.T) {
	s := snstest.New(t)
	impostor := snstest.New(t)
	r := newReceiver(s)
	m := snstest.AlarmNotification(topicTokyo, snstest.Alarm{})
	m.SigningCertURL = s.CertURL("ap-northeast-1") // the real certificate...
	impostor.Sign(m, "2")                          // ...but the impostor's key
	_, err := r.Receive(context.Background(), m.Header(), m.Body())
	wantSourceError(t, err, http.StatusForbidden, "Signature")
}

func TestReceive_RejectsCertificateURLsOffSNSHostsWithoutRequestingThem(t *testing.T) {
	for _, u := range []string{
		"http://sns.us-east-1.amazonaws.com/SimpleNotificationService-test.pem",
		"https://sns.us-east-1.amazonaws.com.evil.com/SimpleNotificationService-test.pem",
		"https://evil.com@sns.us-east-1.amazonaws.com/SimpleNotificationService-test.pem",
		"https://sns.us-east-1.amazonaws.com@evil.com/SimpleNotificationService-test.pem",
		"https://sns.us-east-1.amazonaws.com:8443/SimpleNotificationService-test.pem",
		"https://sns.us-east-1.amazonaws.com:443/SimpleNotificationService-test.pem",
		"https://sns.us-east-1.amazonaws.com:/SimpleNotificationService-test.pem",
		"https://sns%2eus-east-1.amazonaws.com/SimpleNotificationService-test.pem",
		"https://sns.us-east-1.amazonaws%2ecom/SimpleNotificationService-test.pem",
		"https://SNS.US-EAST-1.AMAZONAWS.COM/SimpleNotificationService-test.pem",
		"https://sns.us-east-1.amazonaws.com./SimpleNotificationService-test.pem",
		"HTTPS://sns.us-east-1.amazonaws.com/SimpleNotificationService-test.pem",
		"https://sns.us-east-1.amazonaws.co/SimpleNotificationService-test.pem",
		"https://sns.us_east_1.amazonaws.com/SimpleNotificationService-test.pem",
		"https://s3.amazonaws.com/SimpleNotificationService-test.pem",
		"https://sns.amazonaws.com/SimpleNotificationService-test.pem",
		"https://sns.s3.amazonaws.com/SimpleNotificationService-test.pem",
		"https://sns.s3.us-east-1.amazonaws.com/SimpleNotificationService-test.pem",
		"https://sns.cn-north-1.amazonaws.com/SimpleNotificationService-test.pem",
		"https://evilsns.us-east-1.amazonaws.com/SimpleNotificationService-test.pem",
		"https://sns.us-east-1.amazonaws.com.cn.evil.com/SimpleNotificationService-test.pem",
		"https://sns.us-east-1.amazonaws.com/SimpleNotificationService-test.txt",
		"https://sns.us-east-1.amazonaws.com/SimpleNotificationService-test.pem?x=.pem",
		"https://sns.us-east-1.amazonaws.com/x?.pem",
		"https://sns.us-east-1.amazonaws.com/SimpleNotificationService-test.pem#frag",
		"https://sns.us-east-1.amazonaws.com",
		"https:sns.us-east-1.amazonaws.com/SimpleNotificationService-test.pem",
		"//sns.us-east-1.amazonaws.com/SimpleNotificationService-test.pem",
		"https://[::1]/SimpleNotificationService-test.pem",
		"https://127.0.0.1/SimpleNotificationService-test.pem",
		"https://sns.us-east-1.amazonaws.com\\@evil.com/SimpleNotificationService-test.pem",
		" https://sns.us-east-1.amazonaws.com/SimpleNotificationService-test.pem",
		"file:///etc/passwd.pem",
	} {
		t.Run(u, func(t *testing.T) {
			s := snstest.New(t)
			r := newReceiver(s)
			m := snstest.AlarmNotification(topicVirginia, snstest.Alarm{})
			m.SigningCertURL = u
			_, err := receive(t, r, s, m)
			wantSourceError(t, err, http.StatusForbidden, "SigningCertURL")
			if reqs := s.Requests(); len(reqs) != 0 {
				t.Errorf("requested %v", reqs)
			}
		})
	}
}

func TestReceive_AcceptsCertificateURLsOnSNSHosts(t *testing.T) {
	for _, region := range []string{"us-east-1", "ap-northeast-1", "eu-central-2"} {
		t.Run(region, func(t *testing.T) {
			s := snstest.New(t)
			r := newReceiver(s)
			m := snstest.AlarmNotification(topicTokyo, snstest.Alarm{})
			m.SigningCertURL = s.CertURL(region)
			mustReceive(t, r, s, m)
		})
	}
	t.Run("China partition", func(t *testing.T) {
		s := snstest.New(t)
		r := newReceiver(s)
		m := snstest.AlarmNotification(topicTokyo, snstest.Alarm{})
		m.SigningCertURL = "https://sns.cn-north-1.amazonaws.com.cn" + snstest.CertPath
		mustReceive(t, r, s, m)
	})
}

func TestReceive_RejectsCertificateOutsideItsValidity(t *testing.T) {
	s := snstest.New(t)
	cert := s.Certificate()
	for name, now := range map[string]time.Time{
		"expired":       cert.NotAfter.Add(time.Second),
		"not yet valid": cert.NotBefore.Add(-time.Second),
	} {
		t.Run(name, func(t *testing.T) {
			r := newReceiver(s, func(c *cloudwatch.Config) { c.Now = func() time.Time { return now } })
			m := snstest.AlarmNotification(topicTokyo, snstest.Alarm{})
			m.Timestamp = now.UTC().Format(time.RFC3339Nano) // fresh, by the receiver's clock
			_, err := receive(t, r, s, m)
			wantSourceError(t, err, http.StatusForbidden, "SigningCertURL")
		})
	}
}

// TestReceive_RejectsMessagesSNSCouldNoLongerBeDelivering: SNS retries an
// HTTP/S delivery for an hour at most, so a validly signed message
// published much earlier (or far in the future) is a replay, refused
// with 403; within the hour, and within clock skew, it is accepted.
func TestReceive_RejectsMessagesSNSCouldNoLongerBeDelivering(t *testing.T) {
	s := snstest.New(t)
	published := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	for _, tt := range []struct {
		name   string
		now    time.Time
		status int // 0: accepted
	}{
		{"just published", published, 0},
		{"after SNS's last retry, within skew", published.Add(74 * time.Minute), 0},
		{"a day later", published.Add(24 * time.Hour), http.StatusForbidden},
		{"76 minutes later", published.Add(76 * time.Minute), http.StatusForbidden},
		{"the sender's clock 10 minutes ahead", published.Add(-10 * time.Minute), 0},
		{"published an hour in the future", published.Add(-time.Hour), http.StatusForbidden},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := newReceiver(s, func(c *cloudwatch.Config) { c.Now = func() time.Time { return tt.now } })
			m := snstest.AlarmNotification(topicTokyo, snstest.Alarm{Time: published})
			m.Timestamp = published.Format("2006-01-02T15:04:05.000Z")
			_, err := receive(t, r, s, m)
			if tt.status == 0 {
				if err != nil {
					t.Fatalf("rejected: %v", err)
				}
				return
			}
			wantSourceError(t, err, tt.status, "Timestamp")
		})
	}
	t.Run("unparseable", func(t *testing.T) {
		m := snstest.AlarmNotification(topicTokyo, snstest.Alarm{})
		m.Timestamp = "yesterday"
		_, err := receive(t, newReceiver(s), s, m)
		wantSourceError(t, err, http.StatusBadRequest, "Timestamp")
	})
}

func TestReceive_RejectsTopicsNotInTheAllowList(t *testing.T) {
	const other = "arn:aws:sns:ap-northeast-1:999999999999:someone-elses-topic"
	tests := []struct {
		name   string
		topics []string
		msg    *snstest.Message
	}{
		{"notification from another topic", []string{topicTokyo}, snstest.AlarmNotification(other, snstest.Alarm{})},
		{"subscription to another topic", []string{topicTokyo}, snstest.SubscriptionConfirmation(other)},
		{"unsubscribe from another topic", []string{topicTokyo}, snstest.UnsubscribeConfirmation(other)},
		{"empty allow-list rejects all", nil, snstest.AlarmNotification(topicTokyo, snstest.Alarm{})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := snstest.New(t)
			r := cloudwatch.New(cloudwatch.Config{TopicARNs: tt.topics, AutoConfirm: true, HTTPClient: s.Client(), Roots: s.Roots()})
			_, err := receive(t, r, s, tt.msg)
			wantSourceError(t, err, http.StatusForbidden, "TopicArn")
			if n := len(s.Confirmations()); n != 0 {
				t.Errorf("%d subscriptions confirmed", n)
			}
			if reqs := s.Requests(); len(reqs) != 0 {
				t.Errorf("a message for a topic not allowed made alertgate fetch %v", reqs)
			}
		})
	}
}

// The allow-list is checked before anything is fetched: while AWS is
// unreachable a stranger's topic is still a 403, never a 503 that asks
// SNS (or a forger) to try again.
func TestReceive_TopicNotAllowedIs403WhileAWSIsUnreachable(t *testing.T) {
	s := snstest.New(t)
	down := &http.Client{Transport: roundTripFunc(func(*http.Request) (*http.Response, error) {
		return nil, errors.New("connection refused")
	})}
	r := cloudwatch.New(cloudwatch.Config{TopicARNs: []string{topicTokyo}, HTTPClient: down, Roots: s.Roots()})
	forged := snstest.AlarmNotification("arn:aws:sns:ap-northeast-1:999999999999:someone-elses-topic", snstest.Alarm{})
	_, err := receive(t, r, s, forged)
	wantSourceError(t, err, http.StatusForbidden, "TopicArn")
	// An allowed topic does need the certificate: that is worth a retry.
	_, err = receive(t, r, s, snstest.AlarmNotification(topicTokyo, snstest.Alarm{}))
	wantInternal(t, err)
}

// A replay of a captured message is refused before its certificate is
// fetched.
func TestReceive_StaleMessageIsRefusedWithoutAFetch(t *testing.T) {
	s := snstest.New(t)
	r := newReceiver(s, func(c *cloudwatch.Config) { c.Now = func() time.Time { return time.Now().Add(24 * time.Hour) } })
	_, err := receive(t, r, s, snstest.AlarmNotification(topicTokyo, snstest.Alarm{}))
	wantSourceError(t, err, http.StatusForbidden, "Timestamp")
	if reqs := s.Requests(); len(reqs) != 0 {
		t.Errorf("fetched %v for a stale message", reqs)
	}
}

// SNS's certificate must chain to a trusted root: one from any other CA
// is refused, even served from an SNS host.
func TestReceive_RefusesACertificateThatDoesNotChainToATrustedRoot(t *testing.T) {
	s := snstest.New(t)
	stranger := snstest.New(t)
	r := newReceiver(s, func(c *cloudwatch.Config) { c.Roots = stranger.Roots() })
	_, err := receive(t, r, s, snstest.AlarmNotification(topicTokyo, snstest.Alarm{}))
	wantSourceError(t, err, http.StatusForbidden, "SigningCertURL")
	if !strings.Contains(err.Error(), "trusted root") {
		t.Errorf("error %q does not say the chain is the problem", err)
	}
}

func TestReceive_RefusesACertificateIssuedForAnotherName(t *testing.T) {
	for _, name := range []string{"example.com", "s3.amazonaws.com", "sns.amazonaws.com.evil.example"} {
		t.Run(name, func(t *testing.T) {
			s := snstest.New(t, snstest.WithSigningName(name))
			r := newReceiver(s)
			_, err := receive(t, r, s, snstest.AlarmNotification(topicTokyo, snstest.Alarm{}))
			wantSourceError(t, err, http.StatusForbidden, "SigningCertURL")
		})
	}
	t.Run("the regional endpoint", func(t *testing.T) {
		s := snstest.New(t, snstest.WithSigningName("sns.ap-northeast-1.amazonaws.com"))
		mustReceive(t, newReceiver(s), s, snstest.AlarmNotification(topicTokyo, snstest.Alarm{}))
	})
}

// SNS serves its signing certificate without the intermediate that
// issued it, as Amazon's CA does; the chain is completed from the
// certificate's CA issuer URL on Amazon Trust Services, fetched once.
func TestReceive_CompletesTheChainFromTheIssuerURL(t *testing.T) {
	s := snstest.New(t, snstest.WithIntermediate())
	r := newReceiver(s)
	for range 2 {
		mustReceive(t, r, s, snstest.AlarmNotification(topicTokyo, snstest.Alarm{}))
	}
	fetched := 0
	for _, u := range s.Requests() {
		if u == snstest.IssuerURL {
			fetched++
		}
	}
	if fetched != 1 {
		t.Errorf("issuer fetched %d times (requests %v), want once", fetched, s.Requests())
	}
}

func TestReceive_FetchesEachCertificateOnce(t *testing.T) {
	s := snstest.New(t)
	r := newReceiver(s)
	for range 3 {
		mustReceive(t, r, s, snstest.AlarmNotification(topicTokyo, snstest.Alarm{}))
	}
	if n := certFetches(s); n != 1 {
		t.Errorf("certificate fetched %d times for 3 messages, want once", n)
	}
	// A certificate for another URL is another fetch.
	m := snstest.AlarmNotification(topicTokyo, snstest.Alarm{})
	m.SigningCertURL = s.CertURL("us-east-1")
	mustReceive(t, r, s, m)
	if n := certFetches(s); n != 2 {
		t.Errorf("certificate fetched %d times for 2 URLs, want twice", n)
	}
}

func TestReceive_CertificateFetchFailures(t *testing.T) {
	tests := []struct {
		name     string
		status   int // the fake's answer; 0 for a normal one
		internal bool
	}{
		{"AWS 500 is internal", http.StatusInternalServerError, true},
		{"AWS 503 is internal", http.StatusServiceUnavailable, true},
		{"AWS 404 is forbidden", http.StatusNotFound, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := snstest.New(t)
			r := newReceiver(s)
			s.FailWith(tt.status)
			_, err := receive(t, r, s, snstest.AlarmNotification(topicTokyo, snstest.Alarm{}))
			if tt.internal {
				wantInternal(t, err)
				return
			}
			wantSourceError(t, err, http.StatusForbidden, "SigningCertURL")
		})
	}
	t.Run("unknown certificate path is forbidden", func(t *testing.T) {
		s := snstest.New(t)
		r := newReceiver(s)
		m := snstest.AlarmNotification(topicTokyo, snstest.Alarm{})
		m.SigningCertURL = "https://sns.ap-northeast-1.amazonaws.com/SimpleNotificationService-other.pem"
		_, err := receive(t, r, s, m)
		wantSourceError(t, err, http.StatusForbidden, "SigningCertURL")
	})
}

func TestReceive_CertificateNetworkFailureIsInternal(t *testing.T) {
	s := snstest.New(t)
	tests := map[string]http.RoundTripper{
		"connection refused": roundTripFunc(func(*http.Request) (*http.Response, error) {
			return nil, errors.New("dial tcp: connection refused")
		}),
		"body cut off": roundTripFunc(func(r *http.Request) (*http.Response, error) {
			return &http.Response{StatusCode: 200, Body: io.NopCloser(&failingReader{}), Request: r}, nil
		}),
	}
	for name, rt := range tests {
		t.Run(name, func(t *testing.T) {
			r := newReceiver(s, func(c *cloudwatch.Config) { c.HTTPClient = &http.Client{Transport: rt} })
			_, err := receive(t, r, s, snstest.AlarmNotification(topicTokyo, snstest.Alarm{}))
			wantInternal(t, err)
		})
	}
	t.Run("context canceled", func(t *testing.T) {
		r := newReceiver(s)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		m := snstest.AlarmNotification(topicTokyo, snstest.Alarm{})
		_, err := r.Receive(ctx, m.Header(), s.SignedBody(m, "2"))
		wantInternal(t, err)
	})
}

type failingReader struct{}

func (*failingReader) Read([]byte) (int, error) { return 0, errors.New("connection reset by peer") }

func TestReceive_NeverFollowsRedirects(t *testing.T) {
	s := snstest.New(t)
	var requested []string
	redirecting := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		requested = append(requested, r.URL.String())
		return &http.Response{
			StatusCode: http.StatusFound,
			Header:     http.Header{"Location": {"https://evil.example.com/cert.pem"}},
			Body:       http.NoBody,
			Request:    r,
		}, nil
	})
	// Even a client that explicitly follows redirects must not.
	client := &http.Client{Transport: redirecting, CheckRedirect: func(*http.Request, []*http.Request) error { return nil }}
	r := newReceiver(s, func(c *cloudwatch.Config) { c.HTTPClient = client })
	_, err := receive(t, r, s, snstest.AlarmNotification(topicTokyo, snstest.Alarm{}))
	wantSourceError(t, err, http.StatusForbidden, "SigningCertURL")
	if len(requested) != 1 || strings.Contains(requested[0], "evil") {
		t.Errorf("requested %v, want only the certificate URL", requested)
	}
	if client.CheckRedirect == nil {
		t.Error("the caller's client was modified")
	}
}
