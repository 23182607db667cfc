// Package pdwebhook reads PagerDuty's webhooks (v3): it verifies the
// X-PagerDuty-Signature of a delivery against any of several secrets (so
// a secret can be rotated without dropping deliveries) and turns the
// incident events alertgate acts on — acknowledged, resolved,
// reassigned, escalated — into Changes naming the alertgate incident by
// the incident's key (the dedup_key alertgate sent).
package pdwebhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/alertgate/alertgate/config"
)

// SignatureHeader carries "v1=<hex HMAC-SHA256(secret, body)>", one per
// secret of the subscription, comma-separated.
const SignatureHeader = "X-PagerDuty-Signature"

// ErrBadSignature means no signature matched any secret.
var ErrBadSignature = errors.New("pagerduty webhook: missing or invalid X-PagerDuty-Signature")

// Verify checks that one of the header's v1 signatures is the HMAC of
// body under one of secrets, in constant time.
func Verify(h http.Header, body []byte, secrets []config.Secret) error {
	for _, part := range strings.Split(h.Get(SignatureHeader), ",") {
		v, sig, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || v != "v1" {
			continue
		}
		got, err := hex.DecodeString(sig)
		if err != nil {
			continue
		}
		for _, s := range secrets {
			if !s.IsSet() {
				continue
			}
			m := hmac.New(sha256.New, []byte(s.Reveal()))
			m.Write(body)
			if hmac.Equal(got, m.Sum(nil)) {
				return nil
			}
		}
	}
	return ErrBadSignature
}

// Sign is the header value PagerDuty sends for body under secret.
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "v1=" + hex.EncodeToString(m.Sum(nil))
}

// Action is what happened to an incident in PagerDuty.
type Action string

// The actions alertgate applies.
const (
	Acknowledged Action = "acknowledged"
	Resolved     Action = "resolved"
	Reassigned   Action = "reassigned"
	Escalated    Action = "escalated"
)

// Change is one incident event alertgate applies.
type Change struct {
	Action Action
	// IncidentKey is the PagerDuty incident's key: the dedup_key alertgate
	// sent, so its incident (group) key.
	IncidentKey string
	// By is who acted (the event's agent), Assignees who has it now.
	By        string
	Assignees []string
	// URL is the incident's page in PagerDuty; ID and Number name it.
	URL, ID string
	Number  int
	At      time.Time
	// EventID identifies the delivery, for logs.
	EventID string
}

type reference struct {
	Summary string `json:"summary"`
}

type payload struct {
	Event *struct {
		ID           string     `json:"id"`
		EventType    string     `json:"event_type"`
		ResourceType string     `json:"resource_type"`
		OccurredAt   time.Time  `json:"occurred_at"`
		Agent        *reference `json:"agent"`
		Data         *struct {
			ID          string      `json:"id"`
			HTMLURL     string      `json:"html_url"`
			Number      int         `json:"number"`
			IncidentKey string      `json:"incident_key"`
			Assignees   []reference `json:"assignees"`
		} `json:"data"`
	} `json:"event"`
}

// Parse reads a delivery. It returns ok false, without error, for an
// event alertgate does not act on (a trigger, a note, a ping); an error
// says what is malformed.
func Parse(body []byte) (c Change, ok bool, err error) {
	var p payload
	if err := json.Unmarshal(body, &p); err != nil {
		return c, false, fmt.Errorf("pagerduty webhook: not JSON: %w", err)
	}
	if p.Event == nil {
		return c, false, errors.New("pagerduty webhook: no event (only webhooks v3 are supported)")
	}
	ev := p.Event
	c.EventID, c.At = ev.ID, ev.OccurredAt
	switch ev.EventType {
	case "incident.acknowledged":
		c.Action = Acknowledged
	case "incident.resolved":
		c.Action = Resolved
	case "incident.reassigned", "incident.delegated":
		c.Action = Reassigned
	case "incident.escalated":
		c.Action = Escalated
	default:
		return c, false, nil
	}
	if ev.Data == nil {
		return c, false, errors.New("pagerduty webhook: event.data missing")
	}
	d := ev.Data
	c.IncidentKey, c.URL, c.ID, c.Number = d.IncidentKey, d.HTMLURL, d.ID, d.Number
	if ev.Agent != nil {
		c.By = ev.Agent.Summary
	}
	if c.By == "" {
		c.By = "PagerDuty"
	}
	for _, a := range d.Assignees {
		if a.Summary != "" {
			c.Assignees = append(c.Assignees, a.Summary)
		}
	}
	return c, true, nil
}
