package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	amwebhook "github.com/prometheus/alertmanager/notify/webhook"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/config"
	"github.com/alertgate/alertgate/internal/hmacsig"
	"github.com/alertgate/alertgate/router/notify"
	"github.com/alertgate/alertgate/router/notify/tmpl"
)

// Version is the payload version Alertmanager's webhooks send.
const Version = "4"

// UserAgent names alertgate to the endpoint.
const UserAgent = "alertgate"

// maxResponseBytes bounds how much of an answer is read; maxErrorText how
// much of it an error quotes.
const (
	maxResponseBytes = 64 << 10
	maxErrorText     = 512
)

// Config configures a Notifier.
type Config struct {
	// Target returns a receiver's webhook, false for a receiver without.
	Target func(receiver string) (config.WebhookTarget, bool)
	// Templates render route labels; nil means Alertmanager's defaults.
	Templates *tmpl.Templates
	// Client sends; its PerTargetRate defaults to 5.
	notify.Client
}

// Notifier posts Alertmanager webhook payloads. It is safe for
// concurrent use.
type Notifier struct {
	cfg   Config
	pacer *notify.Pacer
}

// New returns a notifier for cfg.
func New(cfg Config) *Notifier {
	cfg.Client = cfg.WithDefaults(5)
	if cfg.Templates == nil {
		cfg.Templates = tmpl.Default("")
	}
	return &Notifier{cfg: cfg, pacer: cfg.Pacer()}
}

// Notify posts nt. Acknowledgements and announcements are not part of
// Alertmanager's protocol and are not sent.
func (n *Notifier) Notify(ctx context.Context, nt *notify.Notification) error {
	if nt.Kind == notify.KindAcknowledge || nt.Kind == notify.KindAnnounce {
		return nil
	}
	target, ok := n.cfg.Target(nt.Target.Receiver)
	if !ok || !target.URL.IsSet() {
		return notify.Permanent(fmt.Errorf("webhook receiver %q: no url configured", nt.Target.Receiver))
	}
	if nt.Kind == notify.KindResolve && !target.Resolved() {
		return nil
	}
	body, err := n.payload(nt, target.MaxAlerts)
	if err != nil {
		return notify.Permanent(fmt.Errorf("webhook %s: %w", nt.Target.Receiver, err))
	}
	key := "webhook:" + nt.Target.Receiver
	if err := n.pacer.Wait(ctx, key); err != nil {
		return err
	}
	if err := n.post(ctx, key, &target, body); err != nil {
		return fmt.Errorf("webhook %s (incident %s): %w", nt.Target.Receiver, nt.Incident, err)
	}
	n.cfg.Logger.Debug("webhook accepted", "incident", nt.Incident, "receiver", nt.Target.Receiver, "bytes", len(body))
	return nil
}

// Message is the payload of nt, at most maxAlerts alerts of it (0: all).
func (n *Notifier) Message(nt *notify.Notification, maxAlerts int) *amwebhook.Message {
	d, err := n.cfg.Templates.Data(nt)
	if err != nil {
		n.cfg.Logger.Warn("route label not rendered", "incident", nt.Incident, "receiver", nt.Target.Receiver, "err", err)
	}
	msg := &amwebhook.Message{Data: d, Version: Version, GroupKey: nt.Incident}
	if maxAlerts > 0 && len(d.Alerts) > maxAlerts {
		msg.TruncatedAlerts = uint64(len(d.Alerts) - maxAlerts)
		d.Alerts = d.Alerts[:maxAlerts]
	}
	return msg
}

func (n *Notifier) payload(nt *notify.Notification, maxAlerts int) ([]byte, error) {
	return json.Marshal(n.Message(nt, maxAlerts))
}

// post sends one body; key is the receiver's pacing key, held when the
// endpoint answers 429.
func (n *Notifier) post(ctx context.Context, key string, t *config.WebhookTarget, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.URL.Reveal(), bytes.NewReader(body))
	if err != nil {
		return notify.Permanent(notify.RedactURL(err))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", UserAgent)
	if t.BearerToken.IsSet() {
		req.Header.Set("Authorization", "Bearer "+t.BearerToken.Reveal())
	}
	if t.HMACSecret.IsSet() {
		req.Header.Set(hmacsig.Header, hmacsig.Value([]byte(t.HMACSecret.Reveal()), n.cfg.Now(), body))
	}
	resp, err := n.cfg.HTTPClient.Do(req)
	if err != nil {
		return notify.RedactURL(err)
	}
	defer resp.Body.Close()
	text, _ := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxResponseBytes))
	err = notify.HTTPStatus(resp, n.cfg.Now(), redact(string(text), t))
	notify.HoldOn429(n.pacer, key, resp, err)
	return err
}

// redact bounds the endpoint's answer and removes the credentials it
// might echo.
func redact(s string, t *config.WebhookTarget) string {
	for _, secret := range []config.Secret{t.URL, t.BearerToken, t.HMACSecret} {
		if secret.IsSet() {
			s = strings.ReplaceAll(s, secret.Reveal(), "<redacted>")
		}
	}
	return alert.Truncate(strings.Join(strings.Fields(s), " "), maxErrorText)
}
