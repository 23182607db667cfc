package cloudwatch

import (
	"context"
	"crypto/x509"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/alertgate/alertgate/router/source"
)

// ErrUpstream is wrapped by every error that is not the sender's fault:
// the signing certificate or the SubscribeURL could not be fetched because
// of the network, or AWS answered with a server error. The router answers
// such errors with 503 so that SNS delivers the message again.
var ErrUpstream = errors.New("aws sns unavailable")

const (
	// defaultTimeout bounds certificate fetches and confirmations when the
	// caller does not bring its own client; SNS gives up on our answer
	// after about 15 s, so a fetch must finish well before that.
	defaultTimeout = 5 * time.Second
	// certCacheSize bounds the certificate cache. SNS signs with one
	// certificate per region and rotates it rarely, so a handful of
	// entries is plenty; the bound only matters against a sender cycling
	// through URLs.
	certCacheSize = 64
)

// Config configures the receiver.
type Config struct {
	// TopicARNs is the allow-list of SNS topic ARNs. A message from any
	// other topic is rejected with 403; an empty list rejects all.
	TopicARNs []string
	// AutoConfirm confirms SubscriptionConfirmation messages for allowed
	// topics by a GET on their SubscribeURL.
	AutoConfirm bool
	// HTTPClient fetches signing certificates and SubscribeURLs. Nil means
	// a client with a 5 s timeout. Redirects are never followed, whatever
	// client is passed.
	HTTPClient *http.Client
	// Logger receives the receiver's logs. Nil discards them.
	Logger *slog.Logger
	// Now is the clock used to check certificate validity. Nil means
	// time.Now.
	Now func() time.Time
	// Roots are the certificate authorities a signing certificate must
	// chain to. Nil means the system's, which hold Amazon's roots.
	Roots *x509.CertPool
	// SkipVerify accepts messages without checking their signature, and
	// then never confirms a subscription. It exists for local trials with
	// the sample payloads; the configuration allows it only together with
	// dry-run delivery, so it can never let a stranger page anyone.
	SkipVerify bool
}

// Receiver verifies SNS deliveries and turns CloudWatch alarms into alerts.
// It is safe for concurrent use.
type Receiver struct {
	topics      map[string]bool
	autoConfirm bool
	skipVerify  bool
	client      *http.Client
	log         *slog.Logger
	now         func() time.Time
	roots       *x509.CertPool
	certs       *certCache
}

// New returns a Receiver for cfg, filling in defaults for unset fields.
func New(cfg Config) *Receiver {
	r := &Receiver{
		topics:      make(map[string]bool, len(cfg.TopicARNs)),
		autoConfirm: cfg.AutoConfirm && !cfg.SkipVerify,
		skipVerify:  cfg.SkipVerify,
		client:      withoutRedirects(cfg.HTTPClient),
		log:         cfg.Logger,
		now:         cfg.Now,
		roots:       cfg.Roots,
		certs:       newCertCache(certCacheSize),
	}
	for _, t := range cfg.TopicARNs {
		r.topics[t] = true
	}
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	if r.now == nil {
		r.now = time.Now
	}
	if r.skipVerify {
		r.log.Warn("SNS signature verification is OFF: for local trials only")
	}
	return r
}

// withoutRedirects copies c (or a default client) and disables redirects:
// only the AWS host that passed the URL check may answer, and a redirect
// would hand the answer to any host it names.
func withoutRedirects(c *http.Client) *http.Client {
	if c == nil {
		c = &http.Client{Timeout: defaultTimeout}
	}
	cp := *c
	cp.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &cp
}

// Receive parses and verifies one SNS POST body. h is the request header
// (x-amz-sns-message-type and friends). Errors the sender caused are
// *source.Error; others wrap ErrUpstream.
func (r *Receiver) Receive(ctx context.Context, h http.Header, body []byte) (source.Batch, error) {
	m, err := parseEnvelope(h, body)
	if err != nil {
		return source.Batch{}, err
	}
	// The allow-list comes first: a message for a topic nobody allowed
	// (a stranger's, or a forgery) must not make alertgate fetch
	// anything, and is a 403 even while AWS is unreachable.
	if !r.topics[m.TopicArn] {
		return source.Batch{}, forbidden("TopicArn", "topic %s is not in the allow-list", m.TopicArn)
	}
	if !r.skipVerify {
		if err := r.verify(ctx, m); err != nil {
			return source.Batch{}, err
		}
	}
	switch m.Type {
	case typeNotification:
		return r.notification(m)
	case typeSubscriptionConfirmation:
		return r.subscribe(ctx, m)
	default:
		return r.unsubscribed(m), nil
	}
}

// forbidden is source.Forbidden naming the field that could not be
// trusted, so the operator reading the error knows where to look.
func forbidden(field, format string, args ...any) *source.Error {
	e := source.Forbidden(format, args...)
	e.Field = field
	return e
}
