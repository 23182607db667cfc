package config

import (
	"crypto/subtle"
	"encoding/json"
	"log/slog"
)

// Secret is a configuration value that must never reach logs, API output
// or a dumped configuration. Use Reveal where the value is really needed.
type Secret string

const redacted = "<secret>"

// String implements fmt.Stringer and always redacts.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return redacted
}

// LogValue implements slog.LogValuer and always redacts.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalYAML redacts the secret when a configuration is written out.
func (s Secret) MarshalYAML() (any, error) { return s.String(), nil }

// MarshalJSON redacts the secret in JSON output.
func (s Secret) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

// Reveal returns the secret's value, for the one place that sends it.
func (s Secret) Reveal() string { return string(s) }

// IsSet reports whether the secret has a value.
func (s Secret) IsSet() bool { return s != "" }

// Equal reports, in constant time, whether v is the secret: a caller
// comparing a presented token learns nothing from how long it took.
func (s Secret) Equal(v string) bool {
	return subtle.ConstantTimeCompare([]byte(s), []byte(v)) == 1
}
