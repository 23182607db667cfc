package source

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// The leniency rule. A parser needs a few fields of a payload to build an
// alert: what identifies the problem (its fingerprint) and whether it
// fires or resolved. Those fields are read strictly, and a value that
// cannot be read is a 400 naming the field. Every other field (targets,
// metadata, counts, URLs, descriptions, times that can be derived) only
// enriches the alert, so a value of the wrong JSON type or form there is
// ignored, never a reason to refuse the alert: a sender does not retry a
// 400, and the page would be lost to a field nobody needed. Parsers
// declare such fields as Optional, and say in the response which ones
// they ignored (Batch.Ignored).

// Optional is a field a parser can do without. Decoding it never fails:
// a value that does not decode into T leaves Value at its zero and keeps
// the reason in Err.
type Optional[T any] struct {
	// Value is the decoded value; the zero value when the field was
	// absent, null or unreadable.
	Value T
	// Err is why the field's value was ignored, nil if it was read.
	Err error
}

// UnmarshalJSON implements json.Unmarshaler. It never returns an error.
func (o *Optional[T]) UnmarshalJSON(b []byte) error {
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		*o = Optional[T]{Err: err}
		return nil
	}
	*o = Optional[T]{Value: v}
	return nil
}

// ignored reports why the value was ignored, for IgnoredFields.
func (o Optional[T]) ignored() error { return o.Err }

// value is the decoded value, for IgnoredFields to look into.
func (o Optional[T]) value() any { return o.Value }

// optional is what IgnoredFields recognizes an Optional by.
type optional interface {
	ignored() error
	value() any
}

// Ignored is a field a parser left out of an alert because its value
// could not be read, reported back to the sender with the accepted alerts.
type Ignored struct {
	// Field is the field's path in the payload ("targets",
	// "alerts[0].startsAt").
	Field string `json:"field"`
	// Reason says what was wrong with its value.
	Reason string `json:"reason"`
}

// IgnoredFields lists the Optional fields anywhere in v (a decoded
// payload) whose values were ignored, with their paths under prefix,
// sorted by path. Paths use the JSON names of struct fields, [i] for list
// elements and .key for map entries.
func IgnoredFields(prefix string, v any) []Ignored {
	var out []Ignored
	collect(reflect.ValueOf(v), prefix, &out)
	slices.SortFunc(out, func(a, b Ignored) int { return strings.Compare(a.Field, b.Field) })
	return out
}

// maxIgnored bounds the fields reported: the list goes into the response.
const maxIgnored = 20

func collect(v reflect.Value, path string, out *[]Ignored) {
	if !v.IsValid() || len(*out) >= maxIgnored {
		return
	}
	if v.CanInterface() {
		if o, ok := v.Interface().(optional); ok {
			if err := o.ignored(); err != nil {
				*out = append(*out, Ignored{Field: path, Reason: reason(err)})
				return
			}
			collect(reflect.ValueOf(o.value()), path, out)
			return
		}
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			collect(v.Elem(), path, out)
		}
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			if f := t.Field(i); f.IsExported() {
				collect(v.Field(i), join(path, jsonName(f)), out)
			}
		}
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return // raw JSON or bytes: nothing optional inside
		}
		for i := range v.Len() {
			collect(v.Index(i), path+"["+strconv.Itoa(i)+"]", out)
		}
	case reflect.Map:
		iter := v.MapRange()
		for iter.Next() {
			collect(iter.Value(), join(path, fmt.Sprint(iter.Key().Interface())), out)
		}
	}
}

func jsonName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	if name == "" || name == "-" {
		return f.Name
	}
	return name
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// reason words a decoding error for the sender, in JSON's terms rather
// than Go's.
func reason(err error) string {
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) {
		return "ignored: expected " + jsonKind(typ.Type) + ", got JSON " + typ.Value
	}
	return "ignored: " + err.Error()
}

// jsonKind names what JSON value a Go type decodes from.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Map, reflect.Struct:
		return "an object"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Pointer:
		return jsonKind(t.Elem())
	}
	return "a number"
}
