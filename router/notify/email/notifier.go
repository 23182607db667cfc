package email

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/smtp"
	"net/textproto"
	"strings"
	"time"

	"github.com/prometheus/common/model"

	"github.com/alertgate/alertgate/config"
	"github.com/alertgate/alertgate/router/notify"
	"github.com/alertgate/alertgate/router/notify/tmpl"
)

// Config configures a Notifier.
type Config struct {
	// Server is notify.email: smarthost, sender, login and TLS.
	Server config.EmailNotify
	// Target returns a receiver's email target; false for none.
	Target    func(receiver string) (config.EmailTarget, bool)
	Templates *tmpl.Templates
	// TLS is the client TLS configuration; nil means the system roots
	// (and Server.InsecureSkipVerify).
	TLS *tls.Config
	// Client logs and keeps time; its PerTargetRate (default 1) paces the
	// emails to one receiver. HTTPClient is not used.
	notify.Client
}

// Notifier sends email. It is safe for concurrent use.
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
	if cfg.Server.Timeout <= 0 {
		cfg.Server.Timeout = model.Duration(30 * time.Second)
	}
	if cfg.Server.Hello == "" {
		cfg.Server.Hello = "localhost"
	}
	return &Notifier{cfg: cfg, pacer: cfg.Pacer()}
}

// Notify sends nt to the receiver's recipients.
func (n *Notifier) Notify(ctx context.Context, nt *notify.Notification) error {
	t, ok := n.cfg.Target(nt.Target.Receiver)
	if !ok || len(t.To) == 0 {
		return notify.Permanent(fmt.Errorf("email receiver %q: no recipients configured", nt.Target.Receiver))
	}
	if nt.Kind == notify.KindResolve && !t.Resolved() {
		return nil
	}
	from := t.From
	if from == "" {
		from = n.cfg.Server.From
	}
	if from == "" || n.cfg.Server.Smarthost == "" {
		return notify.Permanent(fmt.Errorf("email receiver %q: notify.email needs smarthost and from", nt.Target.Receiver))
	}
	msg, err := compose(nt, from, t.To, n.content(nt, &t), n.cfg.Now(), domainOf(from))
	if err != nil {
		return notify.Permanent(fmt.Errorf("email %s: %w", nt.Target.Receiver, err))
	}
	if err := n.pacer.Wait(ctx, "email:"+nt.Target.Receiver); err != nil {
		return err
	}
	if err := n.send(ctx, from, t.To, msg); err != nil {
		return fmt.Errorf("email %s (incident %s) via %s: %w", nt.Target.Receiver, nt.Incident, n.cfg.Server.Smarthost, err)
	}
	n.cfg.Logger.Debug("email accepted", "incident", nt.Incident, "receiver", nt.Target.Receiver, "recipients", len(t.To))
	return nil
}

// content is the default subject and bodies with the receiver's
// templates applied over them; a template that fails keeps the default.
func (n *Notifier) content(nt *notify.Notification, t *config.EmailTarget) content {
	c := defaultContent(nt)
	if t.Subject == "" && t.HTML == "" && t.Text == "" {
		return c
	}
	d, _ := n.cfg.Templates.Data(nt)
	apply := func(text string, dst *string, html bool) {
		if text == "" {
			return
		}
		exec := n.cfg.Templates.Text
		if html {
			exec = n.cfg.Templates.HTML
		}
		s, err := exec(text, d)
		if err != nil {
			n.cfg.Logger.Warn("email template failed; using the default", "receiver", nt.Target.Receiver, "err", err)
			return
		}
		*dst = s
	}
	apply(t.Subject, &c.subject, false)
	apply(t.HTML, &c.html, true)
	apply(t.Text, &c.text, false)
	return c
}

func domainOf(addr string) string {
	if i := strings.LastIndexByte(addr, '@'); i >= 0 {
		return strings.Trim(addr[i+1:], "> ")
	}
	return "alertgate"
}

// send runs one SMTP transaction.
func (n *Notifier) send(ctx context.Context, from string, to []string, msg []byte) error {
	s := n.cfg.Server
	host, port, err := net.SplitHostPort(s.Smarthost)
	if err != nil {
		return notify.Permanent(fmt.Errorf("smarthost %q: %w", s.Smarthost, err))
	}
	ctx, cancel := context.WithTimeout(ctx, time.Duration(s.Timeout))
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", s.Smarthost)
	if err != nil {
		return err
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	tlsCfg := n.tlsConfig(host)
	implicit := port == "465"
	if implicit {
		conn = tls.Client(conn, tlsCfg)
	}
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		conn.Close()
		return classify(err)
	}
	defer c.Close()
	if err := c.Hello(s.Hello); err != nil {
		return classify(err)
	}
	if !implicit {
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(tlsCfg); err != nil {
				return fmt.Errorf("STARTTLS: %w", classify(err))
			}
		} else if s.TLSRequired() {
			return notify.Permanent(errors.New("the server does not offer STARTTLS and require_tls is on"))
		}
	}
	if s.AuthUsername != "" {
		if err := n.auth(c, host); err != nil {
			return err
		}
	}
	if err := c.Mail(from); err != nil {
		return fmt.Errorf("MAIL FROM: %w", classify(err))
	}
	for _, r := range to {
		if err := c.Rcpt(r); err != nil {
			return fmt.Errorf("RCPT TO %s: %w", r, classify(err))
		}
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("DATA: %w", classify(err))
	}
	if _, err := w.Write(msg); err != nil {
		return classify(err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("end of DATA: %w", classify(err))
	}
	_ = c.Quit()
	return nil
}

func (n *Notifier) tlsConfig(host string) *tls.Config {
	if n.cfg.TLS != nil {
		c := n.cfg.TLS.Clone()
		if c.ServerName == "" {
			c.ServerName = host
		}
		return c
	}
	return &tls.Config{ServerName: host, InsecureSkipVerify: n.cfg.Server.InsecureSkipVerify, MinVersion: tls.VersionTLS12} //nolint:gosec // opt-in
}

// auth logs in with PLAIN, or LOGIN when that is all the server offers.
// Both send the password as is, so they are refused without TLS.
func (n *Notifier) auth(c *smtp.Client, host string) error {
	s := n.cfg.Server
	if _, isTLS := c.TLSConnectionState(); !isTLS {
		return notify.Permanent(errors.New("refusing to send the SMTP password without TLS"))
	}
	ok, mechs := c.Extension("AUTH")
	if !ok {
		return notify.Permanent(errors.New("the server offers no AUTH, but auth_username is set"))
	}
	var a smtp.Auth
	switch {
	case strings.Contains(" "+mechs+" ", " PLAIN "):
		a = smtp.PlainAuth(s.AuthIdentity, s.AuthUsername, s.AuthPassword.Reveal(), host)
	case strings.Contains(" "+mechs+" ", " LOGIN "):
		a = &loginAuth{user: s.AuthUsername, pass: s.AuthPassword.Reveal()}
	default:
		return notify.Permanent(fmt.Errorf("the server offers AUTH %s; alertgate speaks PLAIN and LOGIN", mechs))
	}
	if err := c.Auth(a); err != nil {
		return fmt.Errorf("AUTH: %w", classify(err))
	}
	return nil
}

// loginAuth is the LOGIN mechanism (username, then password, each on
// its own prompt), which net/smtp lacks and Office 365 and others use.
type loginAuth struct{ user, pass string }

func (a *loginAuth) Start(*smtp.ServerInfo) (string, []byte, error) { return "LOGIN", nil, nil }

func (a *loginAuth) Next(from []byte, more bool) ([]byte, error) {
	if !more {
		return nil, nil
	}
	switch p := strings.ToLower(strings.TrimSpace(string(from))); {
	case strings.Contains(p, "username"):
		return []byte(a.user), nil
	case strings.Contains(p, "password"):
		return []byte(a.pass), nil
	}
	return nil, fmt.Errorf("unexpected LOGIN prompt %q", from)
}

// classify makes an SMTP reply permanent when it is a 5xx: the server
// will not take the message (an unknown mailbox, refused credentials).
// 4xx replies and network errors are retried.
func classify(err error) error {
	var te *textproto.Error
	if errors.As(err, &te) && te.Code >= 500 {
		return notify.Permanent(err)
	}
	return err
}
