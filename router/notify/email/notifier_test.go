package email

import (
	"crypto/tls"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/config"
	"github.com/alertgate/alertgate/router/notify"
	"github.com/alertgate/alertgate/router/notify/email/smtptest"
)

var now = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

func notifier(srv *smtptest.Server, t config.EmailTarget, user string) *Notifier {
	return New(Config{
		Server: config.EmailNotify{Smarthost: srv.Addr, From: "alertgate@example.com", AuthUsername: user, AuthPassword: "hunter2", Hello: "alertgate.example.com"},
		Target: func(string) (config.EmailTarget, bool) { return t, true },
		TLS:    &tls.Config{RootCAs: srv.RootCAs, MinVersion: tls.VersionTLS12},
		Client: notify.Client{PerTargetRate: 1000, Now: func() time.Time { return now }},
	})
}

func note(kind notify.Kind) *notify.Notification {
	return &notify.Notification{Incident: "g1", IncidentID: "g1-x", Kind: kind, Status: alert.StatusFiring, Severity: alert.SeverityCritical,
		Title: "Checkout <script>alert(1)</script> failing", Target: notify.Target{Type: config.TargetEmail, Receiver: "team"},
		Enrichment: notify.Enrichment{Summary: "Ünïcode summary.", Runbook: &notify.Runbook{Title: "Checkout", URL: "https://runbooks.example.com/checkout", Steps: []string{"kubectl -n web rollout undo deploy/checkout"}}},
		Members: []notify.Member{{Alert: alert.Alert{Source: alert.SourceAlertmanager, Name: "CheckoutErrors", Status: alert.StatusFiring,
			Labels: map[string]string{"alertname": "CheckoutErrors", "service": "checkout"}, Annotations: map[string]string{"dashboard_url": "https://grafana.example.com/d/x"}}}}}
}

// parts reads a multipart/alternative message into its parts by type.
func parts(t *testing.T, data string) (*mail.Message, map[string]string) {
	t.Helper()
	m, err := mail.ReadMessage(strings.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("Content-Type %q", m.Header.Get("Content-Type"))
	}
	out := map[string]string{}
	mr := multipart.NewReader(m.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err != nil {
			break
		}
		b, _ := io.ReadAll(p) // quoted-printable is decoded by NextPart
		typ, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		out[typ] = string(b)
	}
	return m, out
}

func TestNotify_SendsHTMLAndTextOverSTARTTLSWithAuth(t *testing.T) {
	srv := smtptest.New(t)
	n := notifier(srv, config.EmailTarget{To: []string{"oncall@example.com", "team@example.com"}}, "alertgate")
	if err := n.Notify(t.Context(), note(notify.KindTrigger)); err != nil {
		t.Fatal(err)
	}
	if err := n.Notify(t.Context(), note(notify.KindResolve)); err != nil {
		t.Fatal(err)
	}
	msgs := srv.Messages()
	if len(msgs) != 2 || !msgs[0].TLS || msgs[0].User != "alertgate" || msgs[0].From != "alertgate@example.com" || len(msgs[0].To) != 2 {
		t.Fatalf("messages = %+v", msgs)
	}
	m, ps := parts(t, msgs[0].Data)
	subject, _ := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if subject != "[FIRING:1] Checkout <script>alert(1)</script> failing" {
		t.Errorf("subject = %q", subject)
	}
	if strings.Contains(ps["text/html"], "<script>") || !strings.Contains(ps["text/html"], `href="https://grafana.example.com/d/x"`) || !strings.Contains(ps["text/html"], "Ünïcode summary.") {
		t.Errorf("html part:\n%s", ps["text/html"])
	}
	if !strings.Contains(ps["text/plain"], "kubectl -n web rollout undo deploy/checkout") {
		t.Errorf("text part:\n%s", ps["text/plain"])
	}
	r, _ := mail.ReadMessage(strings.NewReader(msgs[1].Data))
	if r.Header.Get("In-Reply-To") != m.Header.Get("Message-ID") || m.Header.Get("Message-ID") == "" {
		t.Errorf("the resolve does not thread: Message-ID %q, In-Reply-To %q", m.Header.Get("Message-ID"), r.Header.Get("In-Reply-To"))
	}
}

func TestNotify_LoginAuthAndTemplates(t *testing.T) {
	srv := smtptest.New(t)
	srv.Mechanisms = "LOGIN"
	n := notifier(srv, config.EmailTarget{To: []string{"oncall@example.com"}, Subject: `[{{ .Status | toUpper }}] {{ .CommonLabels.service }}`, Text: `{{ range .Alerts }}{{ .Labels.alertname }}{{ end }}`}, "alertgate")
	if err := n.Notify(t.Context(), note(notify.KindTrigger)); err != nil {
		t.Fatal(err)
	}
	m, ps := parts(t, srv.Messages()[0].Data)
	if s, _ := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject")); s != "[FIRING] checkout" || ps["text/plain"] != "CheckoutErrors" {
		t.Errorf("subject %q, text %q", s, ps["text/plain"])
	}
}

func TestNotify_ClassifiesReplies(t *testing.T) {
	tests := []struct {
		name      string
		setup     func(*smtptest.Server)
		user      string
		permanent bool
	}{
		{"greylisted", func(s *smtptest.Server) { s.Reply("RCPT", "451 4.7.1 greylisted, try again") }, "", false},
		{"unknown mailbox", func(s *smtptest.Server) { s.Reply("RCPT", "550 5.1.1 no such user") }, "", true},
		{"queue full", func(s *smtptest.Server) { s.Reply(".", "452 4.3.1 insufficient storage") }, "", false},
		{"wrong password", func(s *smtptest.Server) { s.Password = "other" }, "alertgate", true},
		{"no STARTTLS offered", func(s *smtptest.Server) { s.NoSTARTTLS = true }, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := smtptest.New(t)
			tt.setup(srv)
			err := notifier(srv, config.EmailTarget{To: []string{"a@example.com"}}, tt.user).Notify(t.Context(), note(notify.KindTrigger))
			var ne *notify.Error
			if err == nil || errors.As(err, &ne) != tt.permanent {
				t.Errorf("error = %v, want permanent %v", err, tt.permanent)
			}
			if err != nil && strings.Contains(err.Error(), "hunter2") {
				t.Errorf("error reveals the password: %v", err)
			}
		})
	}
	srv := smtptest.New(t)
	no := false
	if err := notifier(srv, config.EmailTarget{To: []string{"a@example.com"}, SendResolved: &no}, "").Notify(t.Context(), note(notify.KindResolve)); err != nil || len(srv.Messages()) != 0 {
		t.Errorf("send_resolved false: %v, %d messages", err, len(srv.Messages()))
	}
}
