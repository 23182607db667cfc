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
	"github.com/alertgate/alertgate/incident"
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
	// Alerts, if set, remembers which incident occurrences are open at
	// PagerDuty, so that an acknowledgement or resolve goes only to an
	// alert that exists and a quiet notification never opens one (see
	// Plan). Without it every notification is sent.
	Alerts AlertStore
}

// AlertStore remembers, per incident occurrence and receiver, whether
// the alert is open at PagerDuty: the thread store of the chat
// integrations, with the dedup key as the thread's reference. The memory
// and Redis state stores implement it.
type AlertStore interface {
	Thread(ctx context.Context, occurrence, target string) (incident.Thread, bool, error)
	SetThread(ctx context.Context, now time.Time, occurrence, target string, th incident.Thread) error
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
	alerts     AlertStore
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
		alerts:     cfg.Alerts,
	}
}

// errNoIncident rejects a notification that could not be correlated: a
// trigger without a dedup_key opens a new PagerDuty alert every time and
// can never be resolved.
var errNoIncident = errors.New("notification has no incident key")

// Notify sends nt as one event. Errors are classified for the outbox
// worker with notify.Permanent and notify.RetryAfter.
func (n *Notifier) Notify(ctx context.Context, nt *notify.Notification) error {
	action := eventAction(nt.Kind)
	if nt.Incident == "" {
		return notify.Permanent(fmt.Errorf("pagerduty %s: %w", action, errNoIncident))
	}
	key := dedupKey(nt.Incident)
	open, err := n.open(ctx, nt)
	if err != nil {
		return fmt.Errorf("pagerduty %s %s: %w", action, key, err)
	}
	effects := Plan(nt, open)
	if len(effects) == 0 {
		return nil
	}
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
	n.remember(ctx, nt, key, notify.Shows(open, effects), log)
	return nil
}

// alertTarget is the AlertStore target of a receiver's alerts. It names
// the receiver, never the routing key, which is a secret.
func alertTarget(receiver string) string { return "pagerduty:" + receiver }

// open reports whether the notification's occurrence is open at
// PagerDuty. Without an AlertStore every alert counts as open but for a
// trigger, so every notification is sent as it always was.
func (n *Notifier) open(ctx context.Context, nt *notify.Notification) (bool, error) {
	if n.alerts == nil {
		return nt.Kind != notify.KindTrigger, nil
	}
	th, found, err := n.alerts.Thread(ctx, nt.Occurrence(), alertTarget(nt.Target.Receiver))
	if err != nil {
		return false, fmt.Errorf("read the alert of incident %s: %w", nt.Occurrence(), err)
	}
	return found && th.Ref != "", nil
}

// remember records whether the alert is open after an accepted event. A
// failure is logged, not returned: the event was accepted, and a retry
// would page twice.
func (n *Notifier) remember(ctx context.Context, nt *notify.Notification, key string, open bool, log *slog.Logger) {
	if n.alerts == nil {
		return
	}
	th := incident.Thread{Seq: nt.Seq}
	if open {
		th.Ref = key
	}
	if err := n.alerts.SetThread(ctx, n.now(), nt.Occurrence(), alertTarget(nt.Target.Receiver), th); err != nil {
		log.Warn("pagerduty event accepted but not remembered; a later acknowledgement or resolve may not be sent", "err", err)
	}
}
