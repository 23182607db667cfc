package snstest_test

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"net"
	"net/http"
	"slices"
	"testing"

	"github.com/alertgate/alertgate/router/source/cloudwatch/snstest"
)

func TestClient_ReachesTheFakeForAnySNSHostAndRecordsURLs(t *testing.T) {
	s := snstest.New(t)
	urls := []string{s.CertURL("us-east-1"), s.CertURL("ap-northeast-1"), "https://sns.cn-north-1.amazonaws.com.cn" + snstest.CertPath}
	for _, u := range urls {
		resp, err := s.Client().Get(u)
		if err != nil {
			t.Fatalf("GET %s: %v", u, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if block, _ := pem.Decode(body); resp.StatusCode != 200 || block == nil {
			t.Errorf("GET %s: %d %q, want the PEM certificate", u, resp.StatusCode, body)
		}
	}
	if got := s.Requests(); !slices.Equal(got, urls) {
		t.Errorf("Requests() = %v, want %v", got, urls)
	}
}

func TestServer_AnswersConfirmationsAndFailures(t *testing.T) {
	s := snstest.New(t)
	m := snstest.SubscriptionConfirmation("arn:aws:sns:eu-west-1:123456789012:alerts")
	resp, err := s.Client().Get(m.SubscribeURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || !slices.Equal(s.Confirmations(), []string{m.SubscribeURL}) {
		t.Errorf("status %d, confirmations %v; want 200 and %s", resp.StatusCode, s.Confirmations(), m.SubscribeURL)
	}
	s.FailWith(http.StatusBadGateway)
	resp, err = s.Client().Get(s.CertURL("eu-west-1"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadGateway {
		t.Errorf("status %d after FailWith(502)", resp.StatusCode)
	}
}

func TestSign_ProducesSignaturesTheCertificateVerifies(t *testing.T) {
	s := snstest.New(t)
	pub := s.Certificate().PublicKey.(*rsa.PublicKey)
	tests := []struct {
		version string
		hash    crypto.Hash
		sum     func([]byte) []byte
	}{
		{"1", crypto.SHA1, func(b []byte) []byte { d := sha1.Sum(b); return d[:] }},
		{"2", crypto.SHA256, func(b []byte) []byte { d := sha256.Sum256(b); return d[:] }},
	}
	for _, tt := range tests {
		t.Run("SignatureVersion "+tt.version, func(t *testing.T) {
			m := snstest.AlarmNotification("arn:aws:sns:us-west-2:123456789012:alarms", snstest.Alarm{})
			var got snstest.Message
			if err := json.Unmarshal(s.SignedBody(m, tt.version), &got); err != nil {
				t.Fatal(err)
			}
			if got.SigningCertURL != s.CertURL("us-west-2") || got.SignatureVersion != tt.version {
				t.Errorf("SigningCertURL %q, SignatureVersion %q", got.SigningCertURL, got.SignatureVersion)
			}
			sig, err := base64.StdEncoding.DecodeString(got.Signature)
			if err != nil {
				t.Fatal(err)
			}
			if err := rsa.VerifyPKCS1v15(pub, tt.hash, tt.sum(got.StringToSign()), sig); err != nil {
				t.Errorf("signature does not verify: %v", err)
			}
		})
	}
}

func TestStringToSign_MatchesTheAWSDocumentation(t *testing.T) {
	tests := []struct {
		name string
		m    snstest.Message
		want string
	}{
		{"notification with subject", snstest.Message{Type: "Notification", MessageID: "i", TopicArn: "t", Subject: "s", Message: "m", Timestamp: "ts"},
			"Message\nm\nMessageId\ni\nSubject\ns\nTimestamp\nts\nTopicArn\nt\nType\nNotification\n"},
		{"notification without subject", snstest.Message{Type: "Notification", MessageID: "i", TopicArn: "t", Message: "m", Timestamp: "ts"},
			"Message\nm\nMessageId\ni\nTimestamp\nts\nTopicArn\nt\nType\nNotification\n"},
		{"unsubscribe confirmation", snstest.Message{Type: "UnsubscribeConfirmation", MessageID: "i", Token: "k", TopicArn: "t", Message: "m", SubscribeURL: "u", Timestamp: "ts"},
			"Message\nm\nMessageId\ni\nSubscribeURL\nu\nTimestamp\nts\nToken\nk\nTopicArn\nt\nType\nUnsubscribeConfirmation\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(tt.m.StringToSign()); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSigner_AnotherProcessCanReachTheFakeWithAddrAndCAPEM(t *testing.T) {
	s := snstest.New(t)
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(s.CAPEM()) {
		t.Fatal("CAPEM is not a PEM certificate")
	}
	// A client of its own, as alertgate's --testing-sns-ca/--testing-sns-addr
	// build one: it dials Addr for any host and trusts only CAPEM.
	client := &http.Client{Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool},
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, s.Addr())
		},
	}}
	u := s.CertURL("ap-northeast-1")
	resp, err := client.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET %s: %d", u, resp.StatusCode)
	}
	if got := s.Served(); !slices.Equal(got, []string{u}) {
		t.Errorf("Served() = %v, want [%s]", got, u)
	}
	if got := s.Requests(); len(got) != 0 {
		t.Errorf("Requests() = %v, want none: the fake's own Client was not used", got)
	}
}
