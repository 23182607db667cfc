package newrelic

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/router/source"
)

// DefaultMaxAlerts is the number of alerts a Parser accepts per request
// when MaxAlerts is zero.
const DefaultMaxAlerts = 1000

// Parser turns New Relic webhook payloads into alerts. The zero value is
// ready to use.
type Parser struct {
	// Now is the clock used to derive a missing start or end time. Nil
	// means time.Now.
	Now func() time.Time
	// MaxAlerts bounds the alerts accepted per request; 0 means
	// DefaultMaxAlerts. It exists so that every source is configured
	// alike: a New Relic request always describes exactly one issue or
	// incident, so it never reaches the bound.
	MaxAlerts int
}

// Receive parses one webhook request. The headers are not needed: New
// Relic does not sign its webhooks.
func (p Parser) Receive(_ context.Context, _ http.Header, body []byte) (source.Batch, error) {
	return p.Parse(body)
}

// Parse turns one webhook body into a batch of one normalized, validated
// alert. Errors are *source.Error.
func (p Parser) Parse(body []byte) (source.Batch, error) {
	var fields map[string]json.RawMessage
	if err := source.DecodeJSON(body, &fields); err != nil {
		return source.Batch{}, err
	}
	a, ignored, err := p.convert(body, fields)
	if err != nil {
		return source.Batch{}, err
	}
	a.SetRaw(body)
	a.Normalize()
	if err := a.Validate(); err != nil {
		return source.Batch{}, source.Invalid("alert", err)
	}
	return source.Batch{Alerts: []alert.Alert{a}, Ignored: ignored}, nil
}

// convert decodes body as the generation of webhook its fields show and
// builds its alert. It also returns the optional fields it had to ignore.
func (p Parser) convert(body []byte, fields map[string]json.RawMessage) (alert.Alert, []source.Ignored, error) {
	now := p.now()
	if isLegacy(fields) {
		l, err := decode[legacy](body)
		if err != nil {
			return alert.Alert{}, nil, err
		}
		a, err := l.alert(now)
		return a, source.IgnoredFields("", l), err
	}
	w, err := decode[workflow](body)
	if err != nil {
		return alert.Alert{}, nil, err
	}
	a, err := w.alert(now)
	return a, source.IgnoredFields("", w), err
}

func (p Parser) now() time.Time {
	if p.Now == nil {
		return time.Now()
	}
	return p.Now()
}

// isLegacy reports whether fields are a legacy alert-channel webhook. The
// two generations share no field names. A workflow's state wins over any
// legacy-looking field a user may have added to the template, because the
// workflow parser cannot do without it.
func isLegacy(fields map[string]json.RawMessage) bool {
	if _, ok := fields["state"]; ok {
		return false
	}
	for _, k := range []string{"current_state", "incident_id", "condition_name", "policy_name", "targets", "event_type"} {
		if _, ok := fields[k]; ok {
			return true
		}
	}
	return false
}

// decode unmarshals body into a T.
func decode[T any](body []byte) (T, error) {
	var v T
	return v, source.DecodeJSON(body, &v)
}
