package pagerduty

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/alertgate/alertgate/config"
	"github.com/alertgate/alertgate/router/notify"
)

// Defaults for the zero values of Config.
const (
	defaultTimeout = 10 * time.Second
	defaultRate    = 2.0
)

// Config configures a Notifier.
type Config struct {
	// URL is the Events API base, e.g. https://events.pagerduty.com (EU
	// accounts: https://events.eu.pagerduty.com); events go to
	// URL + "/v2/enqueue".
	URL string
	// RoutingKey returns the integration key of a receiver, and false for
	// a receiver without one.
	RoutingKey func(receiver string) (config.Secret, bool)
	// HTTPClient sends the requests; nil means a client with a 10 s
	// timeout.
	HTTPClient *http.Client
	// PerKeyRate is the events per second sent to one routing key; 0
	// means 2. PagerDuty accepts about 120 a minute per integration key.
	PerKeyRate float64
	// Logger receives debug lines and warnings; nil discards them.
	Logger *slog.Logger
	// Now is the clock the pacing reads; nil means time.Now.
	Now func() time.Time
}

// Notifier sends notifications to PagerDuty. It is safe for concurrent
// use.
type Notifier struct {
	endpoint   string
	routingKey func(string) (config.Secret, bool)
	client     *http.Client
	logger     *slog.Logger
	now        func() time.Time
	pacer      *notify.Pacer
}

// New returns a notifier for cfg.
func New(cfg Config) *Notifier {
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: defaultTimeout}
	}
	if cfg.PerKeyRate <= 0 {
		cfg.PerKeyRate = defaultRate
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.RoutingKey == nil {
		cfg.RoutingKey = func(string) (config.Secret, bool) { return "", false }
	}
	return &Notifier{
		endpoint:   strings.TrimRight(cfg.URL, "/") + "/v2/enqueue",
		routingKey: cfg.RoutingKey,
		client:     cfg.HTTPClient,
		logger:     cfg.Logger,
		now:        cfg.Now,
		pacer:      newPacer(cfg.PerKeyRate, cfg.Now),
	}
}

// errNoIncident rejects a notification that could not be correlated: a
// trigger without a dedup_key opens a new PagerDuty alert every time and
// can never be resolved.
var errNoIncident = errors.New("notification has no incident key")

// Notify sends nt as one event. Errors are classified for the outbox
// worker with notify.Permanent and notify.RetryAfter.
func (n *Notifier) Notify(ctx context.Context, nt *notify.Notification) error {
	if nt.Kind == notify.KindAnnounce {
		return nil // announcements are for people reading the chat
	}
	action := eventAction(nt.Kind)
	if nt.Incident == "" {
		return notify.Permanent(fmt.Errorf("pagerduty %s: %w", action, errNoIncident))
	}
	key := dedupKey(nt.Incident)
	wrap := func(err error) error { return fmt.Errorf("pagerduty %s %s: %w", action, key, err) }
	rk, ok := n.routingKey(nt.Target.Receiver)
	if !ok || !rk.IsSet() {
		return notify.Permanent(wrap(fmt.Errorf("receiver %q has no routing key", nt.Target.Receiver)))
	}
	secret := rk.Reveal()
	log := n.logger.With("incident", nt.Occurrence(), "group", nt.Incident, "receiver", nt.Target.Receiver, "target", nt.Target.String())
	body, shrunk, err := encodeEvent(buildEvent(nt, secret))
	if err != nil {
		return notify.Permanent(wrap(err))
	}
	if shrunk {
		log.Warn("pagerduty event shrunk to fit the size limit", "bytes", len(body))
	}
	if err := n.pacer.Wait(ctx, secret); err != nil {
		return wrap(err)
	}
	if err := n.post(ctx, body, secret); err != nil {
		return wrap(err)
	}
	log.Debug("pagerduty event accepted", "action", action, "dedup_key", key, "bytes", len(body))
	return nil
}
