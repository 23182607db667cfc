package opsgenie

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/config"
	"github.com/alertgate/alertgate/router/notify"
	"github.com/alertgate/alertgate/router/notify/tmpl"
)

// Limits of the Alert API v2.
const (
	maxMessage     = 130
	maxAlias       = 512
	maxDescription = 15000
	maxTags        = 20
	maxTag         = 50
	maxDetails     = 8000
	maxNote        = 25000
	maxSource      = 100
	maxEntity      = 512
)

// Config configures a Notifier.
type Config struct {
	// APIURL is the API base, e.g. https://api.opsgenie.com.
	APIURL string
	// APIKey is the default key, for targets without their own.
	APIKey config.Secret
	// Target returns a receiver's Opsgenie target; false for none.
	Target    func(receiver string) (config.OpsgenieTarget, bool)
	Templates *tmpl.Templates
	// Client sends; its PerTargetRate defaults to 2.
	notify.Client
}

// Notifier sends notifications to Opsgenie. It is safe for concurrent
// use.
type Notifier struct {
	cfg   Config
	pacer *notify.Pacer
}

// New returns a notifier for cfg.
func New(cfg Config) *Notifier {
	if cfg.APIURL == "" {
		cfg.APIURL = "https://api.opsgenie.com"
	}
	cfg.APIURL = strings.TrimRight(cfg.APIURL, "/")
	cfg.Client = cfg.WithDefaults(2)
	if cfg.Templates == nil {
		cfg.Templates = tmpl.Default("")
	}
	return &Notifier{cfg: cfg, pacer: cfg.Pacer()}
}

// Alias is the Opsgenie alias of an incident: its ID (one per
// occurrence), or a hash of it past Opsgenie's 512 characters.
func Alias(n *notify.Notification) string {
	a := n.Occurrence()
	if len(a) <= maxAlias {
		return a
	}
	sum := sha256.Sum256([]byte(a))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// Notify applies nt to the incident's Opsgenie alert.
func (n *Notifier) Notify(ctx context.Context, nt *notify.Notification) error {
	t, ok := n.cfg.Target(nt.Target.Receiver)
	if !ok {
		return notify.Permanent(fmt.Errorf("opsgenie receiver %q: no opsgenie target", nt.Target.Receiver))
	}
	key := t.APIKey
	if !key.IsSet() {
		key = n.cfg.APIKey
	}
	if !key.IsSet() {
		return notify.Permanent(fmt.Errorf("opsgenie receiver %q: no api_key", nt.Target.Receiver))
	}
	alias := Alias(nt)
	var reqs []request
	switch nt.Kind {
	case notify.KindTrigger, notify.KindRepeat:
		reqs = []request{n.create(nt, &t, alias)}
	case notify.KindUpdate:
		reqs = []request{n.create(nt, &t, alias), action(alias, "notes", "", nt.Change())}
	case notify.KindAcknowledge:
		reqs = []request{action(alias, "acknowledge", nt.AckedBy, nt.Change())}
	case notify.KindResolve:
		reqs = []request{action(alias, "close", "", strings.Join(append([]string{"Resolved in alertgate."}, nt.Notes...), " "))}
	case notify.KindAnnounce:
		reqs = []request{action(alias, "notes", "", nt.Announcement)}
	}
	for _, r := range reqs {
		if err := n.do(ctx, key, nt.Target.Receiver, r); err != nil {
			return fmt.Errorf("opsgenie %s %s (alias %s): %w", nt.Target.Receiver, r.op, alias, err)
		}
	}
	return nil
}

// request is one Alert API call.
type request struct {
	op   string
	path string
	body any
}

// createBody is POST /v2/alerts.
type createBody struct {
	Message     string            `json:"message"`
	Alias       string            `json:"alias"`
	Description string            `json:"description,omitempty"`
	Responders  []responder       `json:"responders,omitempty"`
	Tags        []string          `json:"tags,omitempty"`
	Details     map[string]string `json:"details,omitempty"`
	Entity      string            `json:"entity,omitempty"`
	Source      string            `json:"source"`
	Priority    string            `json:"priority"`
}

type responder struct {
	Type     string `json:"type"`
	Name     string `json:"name,omitempty"`
	ID       string `json:"id,omitempty"`
	Username string `json:"username,omitempty"`
}

// actionBody is the body of acknowledge, close and notes.
type actionBody struct {
	User   string `json:"user,omitempty"`
	Source string `json:"source"`
	Note   string `json:"note,omitempty"`
}

func action(alias, what, user, note string) request {
	return request{
		op:   what,
		path: "/v2/alerts/" + url.PathEscape(alias) + "/" + what + "?identifierType=alias",
		body: actionBody{User: alert.Truncate(user, 100), Source: "alertgate", Note: alert.Truncate(note, maxNote)},
	}
}

func (n *Notifier) create(nt *notify.Notification, t *config.OpsgenieTarget, alias string) request {
	msg, desc := nt.TitleOrName(), describe(nt)
	if t.Message != "" || t.Description != "" {
		d, _ := n.cfg.Templates.Data(nt)
		for _, f := range []struct {
			text string
			dst  *string
		}{{t.Message, &msg}, {t.Description, &desc}} {
			if f.text == "" {
				continue
			}
			if s, err := n.cfg.Templates.Text(f.text, d); err == nil {
				*f.dst = s
			} else {
				n.cfg.Logger.Warn("opsgenie template failed; using the default", "receiver", nt.Target.Receiver, "err", err)
			}
		}
	}
	b := createBody{
		Message:     alert.Truncate(strings.Join(strings.Fields(msg), " "), maxMessage),
		Alias:       alias,
		Description: alert.Truncate(desc, maxDescription),
		Tags:        tags(t.Tags, nt),
		Details:     details(nt),
		Entity:      alert.Truncate(nt.GroupLabels[alert.LabelService], maxEntity),
		Source:      "alertgate",
		Priority:    priority(t.Priority, nt.Severity),
	}
	for _, r := range t.Responders {
		b.Responders = append(b.Responders, responder(r))
	}
	return request{op: "create", path: "/v2/alerts", body: b}
}

func describe(nt *notify.Notification) string {
	var b strings.Builder
	if d := nt.Description(); d != "" {
		b.WriteString(d + "\n\n")
	}
	if rb := nt.Enrichment.Runbook; rb != nil {
		b.WriteString("Runbook: " + rb.Title + " " + rb.URL + "\n")
		for i, s := range rb.Steps {
			fmt.Fprintf(&b, "%d. %s\n", i+1, s)
		}
		b.WriteString("\n")
	}
	for _, l := range notify.Links(nt) {
		b.WriteString(l.Title + ": " + l.URL + "\n")
	}
	b.WriteString("\nAlerts (" + nt.Counts() + "):\n")
	for i := range nt.Members {
		if b.Len() > maxDescription-200 {
			fmt.Fprintf(&b, "…and %d more\n", len(nt.Members)-i)
			break
		}
		b.WriteString("- " + notify.MemberLine(&nt.Members[i]) + "\n")
	}
	for _, note := range nt.Notes {
		b.WriteString("\n! " + note)
	}
	return b.String()
}

// priority is the configured one, else from severity.
func priority(configured string, s alert.Severity) string {
	if configured != "" {
		return configured
	}
	switch s {
	case alert.SeverityCritical:
		return "P1"
	case alert.SeverityWarning:
		return "P3"
	}
	return "P5"
}

func tags(configured []string, nt *notify.Notification) []string {
	all := append(append([]string(nil), configured...), "alertgate", "severity:"+string(nt.Severity))
	if s := nt.GroupLabels[alert.LabelService]; s != "" {
		all = append(all, "service:"+s)
	}
	var out []string
	for _, t := range all {
		if t = alert.Truncate(strings.TrimSpace(t), maxTag); t != "" && len(out) < maxTags {
			out = append(out, t)
		}
	}
	return out
}

// details are the group labels and the incident's facts, within
// Opsgenie's 8,000 characters.
func details(nt *notify.Notification) map[string]string {
	d := map[string]string{"incident": nt.IncidentID, "alertgate_key": nt.Incident}
	if oc := nt.Enrichment.OnCall; oc != "" {
		d["on_call"] = oc
	}
	for _, l := range notify.Links(nt) {
		d[strings.ToLower(strings.ReplaceAll(l.Title, " ", "_"))] = l.URL
	}
	size := 0
	for k, v := range d {
		size += len(k) + len(v)
	}
	for k, v := range nt.GroupLabels {
		if size+len(k)+len(v) > maxDetails {
			break
		}
		if _, taken := d[k]; !taken {
			d[k] = v
			size += len(k) + len(v)
		}
	}
	return d
}

// do sends one request.
func (n *Notifier) do(ctx context.Context, key config.Secret, receiver string, r request) error {
	body, err := json.Marshal(r.body)
	if err != nil {
		return notify.Permanent(err)
	}
	pace := "opsgenie:" + receiver
	if err := n.pacer.Wait(ctx, pace); err != nil {
		return err
	}
	h := http.Header{"Authorization": {"GenieKey " + key.Reveal()}}
	resp, text, err := notify.Send(ctx, n.cfg.HTTPClient, http.MethodPost, n.cfg.APIURL+r.path, h, body)
	if err != nil {
		return err
	}
	err = notify.HTTPStatus(resp, n.cfg.Now(), apiText(text, key))
	notify.HoldOn429(n.pacer, pace, resp, err)
	return err
}

// apiText is Opsgenie's error message ({"message": ..., "errors": ...}),
// without the key.
func apiText(b []byte, key config.Secret) string {
	var e struct {
		Message string            `json:"message"`
		Errors  map[string]string `json:"errors"`
	}
	s := strings.Join(strings.Fields(string(b)), " ")
	if json.Unmarshal(b, &e) == nil && e.Message != "" {
		s = e.Message
		for k, v := range e.Errors {
			s += "; " + k + ": " + v
		}
	}
	if key.IsSet() {
		s = strings.ReplaceAll(s, key.Reveal(), "<api key>")
	}
	return alert.Truncate(s, 512)
}
