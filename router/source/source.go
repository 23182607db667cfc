// Package source holds what the per-source webhook parsers share: the
// result of parsing one request, the error type that tells the sender what
// was wrong, and liberal JSON helpers. Each sender lives in its own
// sub-package (alertmanager, cloudwatch, newrelic) and knows nothing of the
// others or of the HTTP server.
package source

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"reflect"
	"slices"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/config"
)

// Batch is what a source makes of one webhook request.
type Batch struct {
	// Alerts are the normalized, validated alerts in the request.
	Alerts []alert.Alert
	// Truncated counts alerts the sender left out of the request
	// (Alertmanager's truncatedAlerts when max_alerts is set).
	Truncated int
	// Note explains a request that deliberately carried no alerts, such as
	// an SNS subscription confirmation or a CloudWatch INSUFFICIENT_DATA
	// transition. It is returned to the sender and logged.
	Note string
	// Ignored lists fields the alerts could do without whose values
	// could not be read (see Optional); they are returned to the sender.
	Ignored []Ignored `json:",omitempty"`
}

// Error is a request that a source cannot understand or will not accept.
// The router answers it with Status and a JSON body naming Field.
type Error struct {
	// Status is the HTTP status to answer with (4xx).
	Status int
	// Field is the offending field, as a dotted path into the payload
	// ("alerts[3].labels"); empty when the problem is the whole request.
	Field string
	// Reason says what is wrong, for a human reading the sender's logs.
	Reason string
}

func (e *Error) Error() string {
	if e.Field == "" {
		return e.Reason
	}
	return e.Field + ": " + e.Reason
}

// BadRequest returns a 400 error about field.
func BadRequest(field, format string, args ...any) *Error {
	return &Error{Status: http.StatusBadRequest, Field: field, Reason: fmt.Sprintf(format, args...)}
}

// Forbidden returns a 403 error: the request is well-formed but not
// trusted (bad signature, topic not allowed).
func Forbidden(format string, args ...any) *Error {
	return &Error{Status: http.StatusForbidden, Reason: fmt.Sprintf(format, args...)}
}

// Invalid converts an alert validation failure into a 400 error naming the
// alert's position in the request.
func Invalid(prefix string, err error) *Error {
	var fe *alert.FieldError
	if errors.As(err, &fe) {
		field := fe.Field
		if prefix != "" {
			field = prefix + "." + field
		}
		return BadRequest(field, "%s", fe.Reason)
	}
	return BadRequest(prefix, "%v", err)
}

// DecodeJSON unmarshals body into v and turns encoding/json's errors into
// Errors that name the field and say what was expected. Unknown fields are
// accepted: senders add fields over time and that must not break ingestion.
func DecodeJSON(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return BadRequest("", "empty body, expected a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil {
		return locateField(body, v, jsonError(err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return BadRequest("", "unexpected data after the JSON object")
	}
	return nil
}

// locateField names the top-level field of err when encoding/json could
// not: an error from a custom unmarshaler (a time that does not parse, a
// Flex type) arrives without one. The object's fields are then decoded one
// at a time into a fresh value of v's type until one fails.
func locateField(body []byte, v any, err *Error) *Error {
	if err.Field != "" {
		return err
	}
	var fields map[string]json.RawMessage
	if json.Unmarshal(body, &fields) != nil {
		return err
	}
	t := reflect.TypeOf(v).Elem()
	for _, k := range slices.Sorted(maps.Keys(fields)) {
		one, merr := json.Marshal(map[string]json.RawMessage{k: fields[k]})
		if merr == nil && json.Unmarshal(one, reflect.New(t).Interface()) != nil {
			err.Field = k
			return err
		}
	}
	return err
}

func jsonError(err error) *Error {
	var (
		syn *json.SyntaxError
		typ *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &syn):
		return BadRequest("", "malformed JSON at byte %d: %v", syn.Offset, syn)
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "(root)"
		}
		return BadRequest(field, "expected %s, got JSON %s", typ.Type, typ.Value)
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return BadRequest("", "truncated JSON")
	}
	// Errors from custom unmarshalers (a time that does not parse, say).
	return BadRequest("", "%v", err)
}

// Receiver parses one source's webhook request into alerts.
type Receiver interface {
	Receive(ctx context.Context, h http.Header, body []byte) (Batch, error)
}

// Auth is how a source's requests are authenticated.
type Auth int

const (
	// AuthToken is a bearer token or an X-Alertgate-Signature HMAC, from
	// the source's endpoint settings.
	AuthToken Auth = iota
	// AuthPayload is a payload that authenticates itself (SNS messages
	// are signed by AWS and checked against a topic allow-list).
	AuthPayload
)

// Deps are what a parser may need from the server.
type Deps struct {
	// Now is the server's clock.
	Now func() time.Time
	// HTTPClient makes the outbound calls a source needs (SNS
	// certificates and subscription confirmations); nil means a default.
	HTTPClient *http.Client
	// Roots are the certificate authorities that a payload's signing
	// certificate must chain to (SNS); nil means the system's.
	Roots  *x509.CertPool
	Logger *slog.Logger
}

// Kind is one source of alerts: its name (and endpoint path), how its
// senders authenticate, and how its parser is built from the
// configuration. A new source is a package and one Kind in the registry.
type Kind struct {
	Name alert.Source
	Auth Auth
	// Endpoint returns the source's endpoint settings.
	Endpoint func(*config.Sources) config.Endpoint
	// New builds the source's parser.
	New func(*config.Sources, Deps) Receiver
}

// Registry is the list of sources the server, replay and the metrics
// iterate; package builtin has alertgate's.
type Registry []Kind

// Lookup returns the named source.
func (r Registry) Lookup(name alert.Source) (Kind, bool) {
	for _, k := range r {
		if k.Name == name {
			return k, true
		}
	}
	return Kind{}, false
}

// Names lists the sources' names, in registry order.
func (r Registry) Names() []alert.Source {
	out := make([]alert.Source, len(r))
	for i, k := range r {
		out[i] = k.Name
	}
	return out
}
