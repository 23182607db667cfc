package source

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Senders disagree on JSON types for the same field: New Relic templates
// render booleans and numbers as strings, timestamps come as epoch
// milliseconds, epoch seconds or RFC 3339 text. The Flex types accept all
// the spellings seen in the wild so that a harmless variation never rejects
// an alert.

// FlexTime is a timestamp given as RFC 3339 text, epoch milliseconds or
// epoch seconds (as a number or a numeric string). Null and "" are zero.
type FlexTime struct{ time.Time }

// UnmarshalJSON implements json.Unmarshaler.
func (t *FlexTime) UnmarshalJSON(b []byte) error {
	s, isString, err := scalar(b)
	if err != nil || s == "" {
		t.Time = time.Time{}
		return err
	}
	if n, err := strconv.ParseFloat(s, 64); err == nil {
		return t.setEpoch(n, s)
	}
	if !isString {
		return fmt.Errorf("time %s is neither RFC 3339 nor epoch", b)
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.000-0700", "2006-01-02T15:04:05-0700", "2006-01-02 15:04:05 MST", "2006-01-02T15:04:05"} {
		if v, err := time.Parse(layout, s); err == nil {
			t.Time = v
			return nil
		}
	}
	return fmt.Errorf("time %q is neither RFC 3339 nor epoch", s)
}

// setEpoch reads n as seconds, milliseconds, microseconds or nanoseconds
// since 1970, whichever gives a plausible year (each unit is a thousand
// times the previous, and a seconds value above 1e11 would be past year
// 5000). Zero means unset, as senders use it.
func (t *FlexTime) setEpoch(n float64, text string) error {
	if n == 0 {
		t.Time = time.Time{}
		return nil
	}
	if n < 0 || n >= 1e20 {
		return fmt.Errorf("epoch time %s is out of range", text)
	}
	for n > 1e11 {
		n /= 1000
	}
	sec := int64(n)
	t.Time = time.Unix(sec, int64((n-float64(sec))*1e9)).UTC().Round(time.Millisecond)
	return nil
}

// FlexString is a string that may also arrive as a number or boolean.
type FlexString string

// UnmarshalJSON implements json.Unmarshaler.
func (s *FlexString) UnmarshalJSON(b []byte) error {
	v, _, err := scalar(b)
	*s = FlexString(v)
	return err
}

// FlexBool is a boolean that may also arrive as "true"/"false" or 0/1.
type FlexBool bool

// UnmarshalJSON implements json.Unmarshaler.
func (f *FlexBool) UnmarshalJSON(b []byte) error {
	v, _, err := scalar(b)
	if err != nil || v == "" {
		*f = false
		return err
	}
	p, err := strconv.ParseBool(strings.ToLower(v))
	if err != nil {
		return fmt.Errorf("boolean %q is not true or false", v)
	}
	*f = FlexBool(p)
	return nil
}

// FlexStrings is a list of strings that may also arrive as a single string
// or a single scalar.
type FlexStrings []string

// UnmarshalJSON implements json.Unmarshaler.
func (f *FlexStrings) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '[' {
		var raw []FlexString
		if err := json.Unmarshal(b, &raw); err != nil {
			return err
		}
		out := make([]string, 0, len(raw))
		for _, s := range raw {
			if s != "" {
				out = append(out, string(s))
			}
		}
		*f = out
		return nil
	}
	v, _, err := scalar(b)
	if err != nil || v == "" {
		*f = nil
		return err
	}
	*f = FlexStrings{v}
	return nil
}

// scalar returns the text of a JSON string, number, boolean or null.
func scalar(b []byte) (s string, isString bool, err error) {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0, bytes.Equal(b, []byte("null")):
		return "", false, nil
	case b[0] == '"':
		err := json.Unmarshal(b, &s)
		return strings.TrimSpace(s), true, err
	case b[0] == '{' || b[0] == '[':
		return "", false, fmt.Errorf("expected a scalar, got %.20s", b)
	}
	return string(b), false, nil
}
