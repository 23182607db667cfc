package teams

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/config"
	"github.com/alertgate/alertgate/router/notify"
	"github.com/alertgate/alertgate/router/notify/tmpl"
)

// Config configures a Notifier.
type Config struct {
	// Target returns a receiver's Teams target; false for none.
	Target    func(receiver string) (config.TeamsTarget, bool)
	Templates *tmpl.Templates
	// Client sends; its PerTargetRate defaults to 1.
	notify.Client
}

// Notifier posts Adaptive Cards to Teams. It is safe for concurrent use.
type Notifier struct {
	cfg   Config
	pacer *notify.Pacer
}

// New returns a notifier for cfg.
func New(cfg Config) *Notifier {
	cfg.Client = cfg.WithDefaults(1)
	if cfg.Templates == nil {
		cfg.Templates = tmpl.Default("")
	}
	return &Notifier{cfg: cfg, pacer: cfg.Pacer()}
}

// Notify posts one card for nt.
func (n *Notifier) Notify(ctx context.Context, nt *notify.Notification) error {
	t, ok := n.cfg.Target(nt.Target.Receiver)
	if !ok || !t.WebhookURL.IsSet() {
		return notify.Permanent(fmt.Errorf("teams receiver %q: no webhook_url configured", nt.Target.Receiver))
	}
	body, err := build(nt, n.texts(nt, &t))
	if err != nil {
		return notify.Permanent(fmt.Errorf("teams %s: %w", nt.Target.Receiver, err))
	}
	key := "teams:" + nt.Target.Receiver
	if err := n.pacer.Wait(ctx, key); err != nil {
		return err
	}
	resp, text, err := notify.Send(ctx, n.cfg.HTTPClient, http.MethodPost, t.WebhookURL.Reveal(), nil, body)
	if err == nil {
		err = classify(resp, redact(string(text), t.WebhookURL), n.cfg.Now())
		notify.HoldOn429(n.pacer, key, resp, err)
	}
	if err != nil {
		return fmt.Errorf("teams %s (incident %s): %w", nt.Target.Receiver, nt.Incident, err)
	}
	return nil
}

// texts renders the receiver's title and text templates, falling back to
// the defaults when one is unset or fails.
func (n *Notifier) texts(nt *notify.Notification, t *config.TeamsTarget) texts {
	out := texts{title: nt.Headline(), text: nt.Description()}
	if t.Title == "" && t.Text == "" {
		return out
	}
	d, _ := n.cfg.Templates.Data(nt)
	for _, f := range []struct {
		tmpl string
		dst  *string
	}{{t.Title, &out.title}, {t.Text, &out.text}} {
		if f.tmpl == "" {
			continue
		}
		s, err := n.cfg.Templates.Text(f.tmpl, d)
		if err != nil {
			n.cfg.Logger.Warn("teams template failed; using the default text", "receiver", nt.Target.Receiver, "err", err)
			continue
		}
		*f.dst = s
	}
	return out
}

// connectorError reads the status a legacy connector reports in a 200
// body ("Microsoft Teams endpoint returned HTTP error 429 with ContextId
// ...").
var connectorError = regexp.MustCompile(`HTTP error (\d{3})`)

// classify reads Teams' answer: Workflows answers 202, a connector 200
// with "1"; a connector's error arrives as 200 with text.
func classify(resp *http.Response, text string, now time.Time) error {
	if resp.StatusCode == http.StatusOK {
		if m := connectorError.FindStringSubmatch(text); m != nil {
			code, _ := strconv.Atoi(m[1])
			fake := &http.Response{StatusCode: code, Header: resp.Header}
			return notify.HTTPStatus(fake, now, text)
		}
	}
	return notify.HTTPStatus(resp, now, text)
}

func redact(s string, url config.Secret) string {
	if url.IsSet() {
		s = strings.ReplaceAll(s, url.Reveal(), "<webhook url>")
	}
	return alert.Truncate(strings.Join(strings.Fields(s), " "), 512)
}
