package slack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/slack-go/slack"

	"github.com/alertgate/alertgate/config"
	"github.com/alertgate/alertgate/incident"
	"github.com/alertgate/alertgate/router/notify"
)

// ThreadStore remembers where each incident's message lives in each
// channel. The notifier passes the incident's occurrence
// (notify.Notification.Occurrence) as incident and "slack:" + channel as
// target. The memory and Redis state stores implement it.
type ThreadStore interface {
	Thread(ctx context.Context, occurrence, target string) (incident.Thread, bool, error)
	SetThread(ctx context.Context, now time.Time, occurrence, target string, th incident.Thread) error
}

// Config configures a Notifier.
type Config struct {
	// APIURL is the Web API base, with a trailing slash; empty means
	// https://slack.com/api/.
	APIURL string
	// Token is the bot token (xoxb-…) with chat:write. It is needed for
	// channel targets only.
	Token config.Secret
	// Channel resolves a receiver to its channel (bot-token mode) or its
	// incoming-webhook URL; ok is false for a receiver without a Slack
	// target.
	Channel func(receiver string) (channel string, webhookURL config.Secret, ok bool)
	// Threads stores each incident's message per channel.
	Threads ThreadStore
	// PerChannelInterval is the least time between two messages to one
	// channel; zero means one second, Slack's documented pace, and a
	// negative value turns pacing off (tests).
	PerChannelInterval time.Duration
	// HTTPClient sends the requests; nil means a client with a 10 s
	// timeout.
	HTTPClient *http.Client
	// Logger receives warnings; nil means none.
	Logger *slog.Logger
	// Now is the clock threads are recorded with; nil means time.Now.
	Now func() time.Time
}

// Notifier delivers notifications to Slack. It implements
// notify.Notifier and is safe for concurrent use.
type Notifier struct {
	cfg    Config
	api    *slack.Client
	http   *http.Client
	pace   *notify.Pacer
	logger *slog.Logger
}

// New returns a Notifier for cfg.
func New(cfg Config) *Notifier {
	if cfg.APIURL == "" {
		cfg.APIURL = slack.APIURL
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.PerChannelInterval == 0 {
		cfg.PerChannelInterval = time.Second
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 10 * time.Second}
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Notifier{
		cfg:    cfg,
		api:    slack.New(cfg.Token.Reveal(), slack.OptionAPIURL(cfg.APIURL), slack.OptionHTTPClient(hc)),
		http:   hc,
		pace:   newPacer(cfg.PerChannelInterval, cfg.Now),
		logger: logger,
	}
}

// errNotConfigured is wrapped by the error for a receiver this notifier
// cannot deliver to.
var errNotConfigured = errors.New("no slack channel or webhook configured")

// Notify delivers nt to the channel or incoming webhook of its receiver.
func (n *Notifier) Notify(ctx context.Context, nt *notify.Notification) error {
	if n.cfg.Channel == nil {
		return notify.Permanent(fmt.Errorf("slack receiver %q: %w", nt.Target.Receiver, errNotConfigured))
	}
	channel, webhook, ok := n.cfg.Channel(nt.Target.Receiver)
	switch {
	case ok && channel != "" && n.cfg.Token.IsSet() && n.cfg.Threads != nil:
		return n.notifyChannel(ctx, channel, nt)
	case ok && webhook.IsSet():
		return n.notifyWebhook(ctx, webhook, nt)
	case ok && channel != "":
		return notify.Permanent(fmt.Errorf("slack receiver %q: channel %s needs a bot token and a thread store", nt.Target.Receiver, channel))
	}
	return notify.Permanent(fmt.Errorf("slack receiver %q: %w", nt.Target.Receiver, errNotConfigured))
}
