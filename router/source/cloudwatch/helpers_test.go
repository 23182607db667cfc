package cloudwatch_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/alertgate/alertgate/router/source"
	"github.com/alertgate/alertgate/router/source/cloudwatch"
	"github.com/alertgate/alertgate/router/source/cloudwatch/snstest"
)

// The topics of the testdata envelopes.
const (
	topicTokyo    = "arn:aws:sns:ap-northeast-1:123456789012:alertgate-alarms"
	topicVirginia = "arn:aws:sns:us-east-1:123456789012:alertgate-alarms-us"
)

// newReceiver returns a receiver that allows the testdata topics and
// reaches the signer's fake SNS; opts adjust the config.
func newReceiver(s *snstest.Signer, opts ...func(*cloudwatch.Config)) *cloudwatch.Receiver {
	cfg := cloudwatch.Config{
		TopicARNs:  []string{topicTokyo, topicVirginia},
		HTTPClient: s.Client(),
		Roots:      s.Roots(),
	}
	for _, o := range opts {
		o(&cfg)
	}
	return cloudwatch.New(cfg)
}

func autoConfirm(c *cloudwatch.Config) { c.AutoConfirm = true }

// clockAt sets the receiver's clock to when m was published: testdata
// messages carry fixed timestamps, and a receiver refuses messages SNS
// could no longer be delivering.
func clockAt(t testing.TB, m *snstest.Message) func(*cloudwatch.Config) {
	t.Helper()
	published, err := time.Parse(time.RFC3339Nano, m.Timestamp)
	if err != nil {
		t.Fatalf("testdata Timestamp %q: %v", m.Timestamp, err)
	}
	return func(c *cloudwatch.Config) { c.Now = func() time.Time { return published } }
}

// load reads testdata/<name>.json as an unsigned message. Its placeholder
// SigningCertURL is cleared so that signing points it at the fake.
func load(t testing.TB, name string) *snstest.Message {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var m snstest.Message
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	m.SigningCertURL = ""
	return &m
}

// testdataEnvelopes lists the envelopes under testdata/, without .json.
func testdataEnvelopes(t testing.TB) []string {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range paths {
		if !strings.HasSuffix(p, ".golden.json") {
			names = append(names, strings.TrimSuffix(filepath.Base(p), ".json"))
		}
	}
	return names
}

// receive signs m with s (version 2) and hands it to r.
func receive(t testing.TB, r *cloudwatch.Receiver, s *snstest.Signer, m *snstest.Message) (source.Batch, error) {
	t.Helper()
	body := s.SignedBody(m, "2")
	return r.Receive(context.Background(), m.Header(), body)
}

// mustReceive is receive that fails the test on an error.
func mustReceive(t testing.TB, r *cloudwatch.Receiver, s *snstest.Signer, m *snstest.Message) source.Batch {
	t.Helper()
	b, err := receive(t, r, s, m)
	if err != nil {
		t.Fatalf("Receive: %v", err)
	}
	return b
}

// wantSourceError fails unless err is a *source.Error with the status and,
// when field is not "-", the field.
func wantSourceError(t testing.TB, err error, status int, field string) {
	t.Helper()
	var se *source.Error
	if !errors.As(err, &se) {
		t.Fatalf("error = %v (%T), want *source.Error with status %d", err, err, status)
	}
	if se.Status != status {
		t.Errorf("status = %d (%v), want %d", se.Status, se, status)
	}
	if field != "-" && se.Field != field {
		t.Errorf("field = %q (%v), want %q", se.Field, se, field)
	}
}

// certFetches counts the signer's requests for certificates.
func certFetches(s *snstest.Signer) int {
	n := 0
	for _, u := range s.Requests() {
		if strings.HasSuffix(u, ".pem") {
			n++
		}
	}
	return n
}

// roundTripFunc adapts a function to http.RoundTripper.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
