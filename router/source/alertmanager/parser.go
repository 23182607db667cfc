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

	"github.com/prometheus/alertmanager/template"
	"github.com/prometheus/common/model"

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
	var ignored []source.Ignored
	for i := range m.alerts {
		a, ign, err := g.finish(i, m.alerts[i].raw, m.alerts[i].ta)
		if err != nil {
			return source.Batch{}, err
		}
		alerts = append(alerts, a)
		ignored = append(ignored, ign...)
	}
	return source.Batch{Alerts: alerts, Truncated: clampInt(m.truncated), Ignored: ignored}, nil
}

// parseReference parses body with encoding/json: the path for every body
// the fast path does not take, and the one that words the errors and
// reports the optional fields it ignored.
func (p Parser) parseReference(body []byte) (source.Batch, error) {
	msg, err := decodeMessage(body)
	if err != nil {
		return source.Batch{}, err
	}
	if err := p.checkCount(len(msg.Alerts)); err != nil {
		return source.Batch{}, err
	}
	g := msg.group(p.now())
	ignored := source.IgnoredFields("", msg)
	alerts := make([]alert.Alert, 0, len(msg.Alerts))
	for i, raw := range msg.Alerts {
		wa, err := decodeAlert(raw)
		if err != nil {
			return source.Batch{}, within(alertPath(i), err)
		}
		ignored = append(ignored, source.IgnoredFields(alertPath(i), wa)...)
		a, ign, err := g.finish(i, raw, wa.template())
		if err != nil {
			return source.Batch{}, err
		}
		alerts = append(alerts, a)
		ignored = append(ignored, ign...)
	}
	return source.Batch{Alerts: alerts, Truncated: clampInt(msg.TruncatedAlerts.Value), Ignored: ignored}, nil
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

// message is what alertgate reads of a webhook body (payload version
// 4), each alert kept as raw JSON so that it is decoded on its own: its
// errors can name its index and its original fragment is kept as the
// alert's Raw. Only the alerts are needed; the group's fields are
// fallbacks and links, so they are Optional (see source.Optional) and
// the rest (receiver, groupLabels, commonAnnotations, ...) is not read.
type message struct {
	Alerts          []json.RawMessage                                   `json:"alerts"`
	Status          source.Optional[string]                             `json:"status"`
	GroupKey        source.Optional[string]                             `json:"groupKey"`
	ExternalURL     source.Optional[string]                             `json:"externalURL"`
	CommonLabels    source.Optional[map[string]source.Optional[string]] `json:"commonLabels"`
	TruncatedAlerts source.Optional[uint64]                             `json:"truncatedAlerts"`
}

// wireAlert is one alert of a message. Its labels identify it and its
// status says what happened, so those are read strictly; everything else
// can be derived (times, the fingerprint, which Alertmanager computes
// from the labels) or only describes the alert.
type wireAlert struct {
	Labels       template.KV                                         `json:"labels"`
	Status       string                                              `json:"status"`
	Annotations  source.Optional[map[string]source.Optional[string]] `json:"annotations"`
	StartsAt     source.Optional[time.Time]                          `json:"startsAt"`
	EndsAt       source.Optional[time.Time]                          `json:"endsAt"`
	GeneratorURL source.Optional[string]                             `json:"generatorURL"`
	Fingerprint  source.Optional[string]                             `json:"fingerprint"`
}

func decodeMessage(body []byte) (message, error) {
	var msg message
	if err := source.DecodeJSON(body, &msg); err != nil {
		return message{}, within("", err)
	}
	return msg, nil
}

// decodeAlert decodes one alert of the notification.
func decodeAlert(raw json.RawMessage) (wireAlert, error) {
	var wa wireAlert
	return wa, source.DecodeJSON(raw, &wa)
}

// group is what the alerts of the message share.
func (m *message) group(now time.Time) group {
	return group{
		now:         now,
		status:      m.Status.Value,
		commonName:  m.CommonLabels.Value[string(model.AlertNameLabel)].Value,
		groupKey:    m.GroupKey.Value,
		externalURL: m.ExternalURL.Value,
	}
}

// template is the alert as the fast path decodes it.
func (wa *wireAlert) template() template.Alert {
	ta := template.Alert{
		Status:       wa.Status,
		Labels:       wa.Labels,
		StartsAt:     wa.StartsAt.Value,
		EndsAt:       wa.EndsAt.Value,
		GeneratorURL: wa.GeneratorURL.Value,
		Fingerprint:  wa.Fingerprint.Value,
	}
	if wa.Annotations.Value != nil {
		ta.Annotations = make(template.KV, len(wa.Annotations.Value))
		for k, v := range wa.Annotations.Value {
			if v.Err == nil {
				ta.Annotations[k] = v.Value
			}
		}
	}
	return ta
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
