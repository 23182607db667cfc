package alertmanager

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/alertmanager/notify/webhook"
	"github.com/prometheus/alertmanager/template"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/router/source"
)

// DefaultMaxAlerts is the number of alerts a Parser accepts per request
// when MaxAlerts is zero.
const DefaultMaxAlerts = 1000

// Parser turns Alertmanager webhook payloads into alerts. The zero value is
// ready to use.
type Parser struct {
	// Now is the clock used to derive a missing status or startsAt. Nil
	// means time.Now.
	Now func() time.Time
	// MaxAlerts bounds the alerts accepted per request; 0 (or less) means
	// DefaultMaxAlerts. A request with more is rejected with 413.
	MaxAlerts int
}

// Receive parses one webhook request. The headers are not needed:
// Alertmanager does not sign its notifications.
func (p Parser) Receive(_ context.Context, _ http.Header, body []byte) (source.Batch, error) {
	return p.Parse(body)
}

// Parse turns one webhook body into a batch of normalized, validated
// alerts. Errors are *source.Error.
func (p Parser) Parse(body []byte) (source.Batch, error) {
	m, ok := fastDecode(body)
	if !ok {
		return p.parseReference(body)
	}
	if err := p.checkCount(len(m.alerts)); err != nil {
		return source.Batch{}, err
	}
	g := group{now: p.now(), status: m.status, commonName: m.commonName, groupKey: m.groupKey, externalURL: m.externalURL}
	alerts := make([]alert.Alert, 0, len(m.alerts))
	for i := range m.alerts {
		a, err := g.finish(i, m.alerts[i].raw, m.alerts[i].ta)
		if err != nil {
			return source.Batch{}, err
		}
		alerts = append(alerts, a)
	}
	return source.Batch{Alerts: alerts, Truncated: clampInt(m.truncated)}, nil
}

// parseReference parses body with encoding/json: the path for every body
// the fast path does not take, and the one that words the errors.
func (p Parser) parseReference(body []byte) (source.Batch, error) {
	msg, err := decodeMessage(body)
	if err != nil {
		return source.Batch{}, err
	}
	if err := p.checkCount(len(msg.Alerts)); err != nil {
		return source.Batch{}, err
	}
	g := newGroup(msg.Data, msg.GroupKey, p.now())
	alerts := make([]alert.Alert, 0, len(msg.Alerts))
	for i, raw := range msg.Alerts {
		a, err := g.parseAlert(i, raw)
		if err != nil {
			return source.Batch{}, err
		}
		alerts = append(alerts, a)
	}
	return source.Batch{Alerts: alerts, Truncated: clampInt(msg.TruncatedAlerts)}, nil
}

// checkCount rejects a notification without alerts or with more than
// MaxAlerts.
func (p Parser) checkCount(n int) error {
	if n == 0 {
		return source.BadRequest("alerts", "the notification carries no alerts")
	}
	if limit := p.maxAlerts(); n > limit {
		return &source.Error{
			Status: http.StatusRequestEntityTooLarge,
			Field:  "alerts",
			Reason: fmt.Sprintf("%d alerts in one notification, at most %d accepted; set max_alerts in the webhook_config", n, limit),
		}
	}
	return nil
}

func (p Parser) now() time.Time {
	if p.Now == nil {
		return time.Now()
	}
	return p.Now()
}

func (p Parser) maxAlerts() int {
	if p.MaxAlerts <= 0 {
		return DefaultMaxAlerts
	}
	return p.MaxAlerts
}

// message is the webhook body with each alert kept as raw JSON. The outer
// Alerts field shadows the embedded template.Data's, so every alert is
// decoded on its own: its errors can name its index and its original
// fragment is kept as the alert's Raw.
type message struct {
	webhook.Message
	Alerts []json.RawMessage `json:"alerts"`
}

func decodeMessage(body []byte) (message, error) {
	var msg message
	if err := source.DecodeJSON(body, &msg); err != nil {
		return message{}, within("", err)
	}
	if msg.Data == nil {
		// Only the alerts were sent (or nothing at all); the embedded
		// pointer is never allocated then.
		msg.Data = &template.Data{}
	}
	return msg, nil
}

// decodeAlert decodes one alert of the notification.
func decodeAlert(raw json.RawMessage) (template.Alert, error) {
	var ta template.Alert
	return ta, source.DecodeJSON(raw, &ta)
}

// within rewrites the field of a *source.Error into a JSON path below
// prefix. encoding/json names the Go types of embedded structs in its paths
// ("Message.Data.status"); the payload's own names are lowerCamel, so
// leading capitalized segments are Go's and are dropped.
func within(prefix string, err error) error {
	var e *source.Error
	if !errors.As(err, &e) {
		return source.BadRequest(prefix, "%v", err)
	}
	field := e.Field
	for field != "" && field[0] >= 'A' && field[0] <= 'Z' {
		_, rest, _ := strings.Cut(field, ".")
		field = rest
	}
	switch {
	case prefix == "":
	case field == "" || field == "(root)":
		field = prefix
	default:
		field = prefix + "." + field
	}
	return &source.Error{Status: e.Status, Field: field, Reason: e.Reason}
}

func clampInt(n uint64) int {
	if n > math.MaxInt {
		return math.MaxInt
	}
	return int(n)
}
