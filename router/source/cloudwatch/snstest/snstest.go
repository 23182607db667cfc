// Package snstest fakes the parts of Amazon SNS that an HTTP(S) subscriber
// talks to, for tests of the cloudwatch source and of everything that
// wires it (router, end-to-end tests).
//
// A Signer owns a throwaway CA, an RSA signing certificate issued by it,
// and a TLS server that serves the certificate and answers SubscribeURL
// visits. Its Client trusts the CA and dials that server whatever host a
// URL names, so https://sns.<region>.amazonaws.com/... reaches the fake
// and a test can assert which URLs a receiver requested. A receiver in
// another process (the alertgate binary in end-to-end tests) is pointed
// at the fake with Addr and CAPEM, and Served lists what it fetched.
// Messages are signed exactly as SNS signs them, with an independent
// implementation of the canonical string so that it checks the
// receiver's rather than mirroring it.
package snstest

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"
)

// CertPath is the path at which the fake serves the signing certificate.
const CertPath = "/SimpleNotificationService-test.pem"

// Signer signs SNS messages and serves what a receiver fetches to check
// them. It is safe for concurrent use.
type Signer struct {
	key       *rsa.PrivateKey
	cert      *x509.Certificate
	certPEM   []byte
	issuerDER []byte
	ca        *authority
	srv       *httptest.Server
	client    *http.Client

	mu            sync.Mutex
	requests      []string
	served        []string
	confirmations []string
	status        int
}

// IssuerPath is where the fake serves the intermediate CA's certificate
// (DER, as CA issuer URLs serve them) for a Signer made WithIntermediate.
const IssuerPath = "/r2m01.cer"

// IssuerURL is the CA issuer URL a signing certificate made
// WithIntermediate names, as Amazon's name theirs.
const IssuerURL = "https://crt.r2m01.amazontrust.com" + IssuerPath

// Option adjusts a fake SNS.
type Option func(*options)

type options struct {
	intermediate bool
	name         string
}

// WithIntermediate issues the signing certificate from an intermediate
// CA, as Amazon's are, and, as SNS does, serves it without that
// intermediate: only the certificate's CA issuer URL (IssuerURL, served
// by the fake) leads to it.
func WithIntermediate() Option { return func(o *options) { o.intermediate = true } }

// WithSigningName issues the signing certificate for name instead of
// sns.amazonaws.com.
func WithSigningName(name string) Option { return func(o *options) { o.name = name } }

// New starts a fake SNS for the duration of the test: a fresh CA, a fresh
// RSA 2048 signing key and certificate valid from 2020 for a year from
// now, and a TLS server closed by t.Cleanup.
func New(t testing.TB, opts ...Option) *Signer {
	t.Helper()
	o := options{name: "sns.amazonaws.com"}
	for _, opt := range opts {
		opt(&o)
	}
	ca, err := newAuthority()
	if err != nil {
		t.Fatalf("snstest: %v", err)
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatalf("snstest: signing key: %v", err)
	}
	issuer := ca
	var issuerDER []byte
	if o.intermediate {
		if issuer, err = ca.intermediate(); err != nil {
			t.Fatalf("snstest: intermediate CA: %v", err)
		}
		issuerDER = issuer.cert.Raw
	}
	// Valid long before now, so that receivers on fake clocks set to
	// the testdata's dates (which SNS messages must be close to) accept it.
	notBefore := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	cert, err := issuer.issue(&key.PublicKey, o.name, notBefore, time.Now().AddDate(1, 0, 0), x509.KeyUsageDigitalSignature, o.intermediate)
	if err != nil {
		t.Fatalf("snstest: signing certificate: %v", err)
	}
	s := &Signer{
		key:       key,
		cert:      cert,
		certPEM:   pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}),
		issuerDER: issuerDER,
		ca:        ca,
	}
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(s.serveHTTP))
	s.srv.TLS = &tls.Config{GetCertificate: ca.serverCertificate}
	s.srv.StartTLS()
	t.Cleanup(s.srv.Close)
	s.client = s.newClient()
	return s
}

// Roots returns a pool holding the fake's root CA: what a receiver must
// trust for the fake's signing certificates to chain.
func (s *Signer) Roots() *x509.CertPool { return s.ca.pool }

// CertURL returns the SigningCertURL SNS would use in region; it is served
// by the fake.
func (s *Signer) CertURL(region string) string {
	return "https://sns." + region + ".amazonaws.com" + CertPath
}

// Certificate returns the signing certificate, so tests can reason about
// its validity period.
func (s *Signer) Certificate() *x509.Certificate { return s.cert }

// Client returns an HTTP client that trusts the fake's CA, connects to the
// fake for every host, and records each URL it is asked for.
func (s *Signer) Client() *http.Client { return s.client }

// Requests returns every URL the Client was asked for, in order.
func (s *Signer) Requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// Served returns every URL the fake's TLS server received, from any
// client, in order: what an alertgate process that dials the fake (with
// --testing-sns-addr) fetched, which Requests cannot see.
func (s *Signer) Served() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.served)
}

// Addr returns the host:port of the fake's TLS server, for clients in
// other processes (alertgate's --testing-sns-addr).
func (s *Signer) Addr() string { return s.srv.Listener.Addr().String() }

// CAPEM returns the fake CA's certificate in PEM, for clients in other
// processes to trust (alertgate's --testing-sns-ca).
func (s *Signer) CAPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.ca.cert.Raw})
}

// Confirmations returns the SubscribeURLs the fake answered, in order.
func (s *Signer) Confirmations() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.confirmations)
}

// FailWith makes the fake answer every later request with the HTTP status
// code, to simulate AWS trouble; 0 restores normal answers.
func (s *Signer) FailWith(code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status = code
}

// Sign fills m's SignatureVersion and Signature as SNS would for version
// "1" (SHA1withRSA) or "2" (SHA256withRSA), and its SigningCertURL with
// CertURL for the topic's region unless the test already set one. Any
// other version is signed with SHA-256 so that receivers can be tested
// for rejecting it.
func (s *Signer) Sign(m *Message, version string) {
	if m.SigningCertURL == "" {
		m.SigningCertURL = s.CertURL(regionOf(m.TopicArn))
	}
	m.SignatureVersion = version
	h := crypto.SHA256
	if version == "1" {
		h = crypto.SHA1
	}
	d := h.New()
	d.Write(m.StringToSign())
	sig, err := rsa.SignPKCS1v15(rand.Reader, s.key, h, d.Sum(nil))
	if err != nil {
		panic("snstest: sign: " + err.Error()) // only on a broken key
	}
	m.Signature = encodeSignature(sig)
}

// SignedBody signs m and returns its JSON body.
func (s *Signer) SignedBody(m *Message, version string) []byte {
	s.Sign(m, version)
	return m.Body()
}

func (s *Signer) record(list *[]string, url string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	*list = append(*list, url)
}

// serveHTTP answers certificate downloads and subscription confirmations.
func (s *Signer) serveHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.served = append(s.served, "https://"+r.Host+r.URL.RequestURI())
	status := s.status
	s.mu.Unlock()
	switch {
	case status != 0:
		http.Error(w, http.StatusText(status), status)
	case r.URL.Path == CertPath:
		w.Header().Set("Content-Type", "application/x-pem-file")
		w.Write(s.certPEM)
	case r.URL.Path == IssuerPath && s.issuerDER != nil:
		w.Header().Set("Content-Type", "application/pkix-cert")
		w.Write(s.issuerDER)
	case r.URL.Path == "/" && r.URL.Query().Get("Action") == "ConfirmSubscription":
		s.record(&s.confirmations, "https://"+r.Host+r.URL.RequestURI())
		w.Header().Set("Content-Type", "text/xml")
		w.Write([]byte(confirmResponse))
	default:
		http.NotFound(w, r)
	}
}

const confirmResponse = `<ConfirmSubscriptionResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/">
  <ConfirmSubscriptionResult>
    <SubscriptionArn>arn:aws:sns:us-east-1:123456789012:MyTopic:2bcfbf39-05c3-41de-beaa-fcfcc21c8f55</SubscriptionArn>
  </ConfirmSubscriptionResult>
  <ResponseMetadata><RequestId>075ecce8-8dac-11e1-bf80-f781d96e2c14</RequestId></ResponseMetadata>
</ConfirmSubscriptionResponse>
`

// newClient builds the client that reaches the fake for any host name,
// verifying the server certificate for that name against the fake CA.
func (s *Signer) newClient() *http.Client {
	addr := s.srv.Listener.Addr().String()
	var d net.Dialer
	tr := &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return d.DialContext(ctx, network, addr)
		},
		TLSClientConfig: &tls.Config{RootCAs: s.ca.pool},
	}
	return &http.Client{Transport: &recorder{s: s, next: tr}, Timeout: 10 * time.Second}
}

// recorder notes every URL before passing the request on, so a test can
// prove that no request was made to a host it should not reach.
type recorder struct {
	s    *Signer
	next http.RoundTripper
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.s.record(&r.s.requests, req.URL.String())
	return r.next.RoundTrip(req)
}

// authority is the fake CA: it issues the signing certificate and, on
// demand, TLS server certificates for whatever host a client asks for.
type authority struct {
	key  *ecdsa.PrivateKey
	cert *x509.Certificate
	pool *x509.CertPool

	mu     sync.Mutex
	tlsKey *ecdsa.PrivateKey
	leaves map[string]*tls.Certificate
}

func newAuthority() (*authority, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tlsKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "snstest CA"},
		// Valid as long as the signing certificates it issues: receivers
		// verify the whole chain at their (possibly fake) clock's time.
		NotBefore:             time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:              now.AddDate(1, 0, 0),
		KeyUsage:              x509.KeyUsageCertSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &authority{key: key, cert: cert, pool: pool, tlsKey: tlsKey, leaves: map[string]*tls.Certificate{}}, nil
}

func (ca *authority) issue(pub any, host string, notBefore, notAfter time.Time, usage x509.KeyUsage, withIssuerURL bool) (*x509.Certificate, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: host},
		DNSNames:     []string{host},
		NotBefore:    notBefore,
		NotAfter:     notAfter,
		KeyUsage:     usage,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	if withIssuerURL {
		tmpl.IssuingCertificateURL = []string{IssuerURL}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, pub, ca.key)
	if err != nil {
		return nil, err
	}
	return x509.ParseCertificate(der)
}

// intermediate returns a CA that ca issued, named like Amazon's.
func (ca *authority) intermediate() (*authority, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(2),
		Subject:               pkix.Name{Organization: []string{"Amazon"}, CommonName: "snstest RSA 2048 M01"},
		NotBefore:             time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:              now.AddDate(2, 0, 0),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &authority{key: key, cert: cert}, nil
}

// serverCertificate issues (once per name) a TLS certificate for the host
// the client asked for, so the client's normal host name check passes for
// sns.<any region>.amazonaws.com without a wildcard per region.
func (ca *authority) serverCertificate(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
	host := hello.ServerName
	if host == "" {
		host = "localhost"
	}
	ca.mu.Lock()
	defer ca.mu.Unlock()
	if c, ok := ca.leaves[host]; ok {
		return c, nil
	}
	now := time.Now()
	cert, err := ca.issue(&ca.tlsKey.PublicKey, host, now.Add(-time.Hour), now.Add(24*time.Hour), x509.KeyUsageDigitalSignature, false)
	if err != nil {
		return nil, err
	}
	c := &tls.Certificate{Certificate: [][]byte{cert.Raw}, PrivateKey: ca.tlsKey, Leaf: cert}
	ca.leaves[host] = c
	return c, nil
}
