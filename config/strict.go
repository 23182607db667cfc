package config

import (
	"errors"
	"fmt"
	"reflect"
	"strings"

	"gopkg.in/yaml.v3"
)

// checkKnownKeys reports every mapping key in n that has no field in t.
//
// yaml.v3 rejects unknown keys only when decoding from a Decoder with
// KnownFields set, but alertgate decodes from a node tree (after expanding
// ${ENV} in place, which keeps every line number true to the file), and
// Node.Decode has no such option. So the check is done here, against the
// same yaml tags the decoder uses. Types with their own unmarshaler
// (Alertmanager matchers, durations) validate their own input.
func checkKnownKeys(n *yaml.Node, t reflect.Type, path string) []error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if n == nil || hasUnmarshaler(t) {
		return nil
	}
	switch {
	case n.Kind == yaml.SequenceNode && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array):
		var errs []error
		for i, c := range n.Content {
			errs = append(errs, checkKnownKeys(c, t.Elem(), fmt.Sprintf("%s[%d]", path, i))...)
		}
		return errs
	case n.Kind == yaml.MappingNode && t.Kind() == reflect.Map:
		var errs []error
		for i := 0; i+1 < len(n.Content); i += 2 {
			errs = append(errs, checkKnownKeys(n.Content[i+1], t.Elem(), join(path, n.Content[i].Value))...)
		}
		return errs
	case n.Kind == yaml.MappingNode && t.Kind() == reflect.Struct:
		return checkStruct(n, t, path)
	}
	return nil
}

func checkStruct(n *yaml.Node, t reflect.Type, path string) []error {
	fields := yamlFields(t)
	var errs []error
	for i := 0; i+1 < len(n.Content); i += 2 {
		key := n.Content[i]
		ft, ok := fields[key.Value]
		if !ok {
			errs = append(errs, &Error{Line: key.Line, Path: join(path, key.Value), Reason: fmt.Sprintf("unknown key %q", key.Value)})
			continue
		}
		errs = append(errs, checkKnownKeys(n.Content[i+1], ft, join(path, key.Value))...)
	}
	return errs
}

// yamlFields maps yaml key names to field types, following ",inline".
func yamlFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for f := range t.Fields() {
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("yaml")
		name, opts, _ := strings.Cut(tag, ",")
		if name == "-" {
			continue
		}
		if strings.Contains(opts, "inline") {
			for k, v := range yamlFields(f.Type) {
				out[k] = v
			}
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		out[name] = f.Type
	}
	return out
}

var (
	nodeUnmarshaler     = reflect.TypeFor[yaml.Unmarshaler]()
	obsoleteUnmarshaler = reflect.TypeFor[interface {
		UnmarshalYAML(func(any) error) error
	}]()
)

func hasUnmarshaler(t reflect.Type) bool {
	p := reflect.PointerTo(t)
	return p.Implements(nodeUnmarshaler) || p.Implements(obsoleteUnmarshaler)
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// decodeError reports a decoding failure with its line. yaml.v3 puts
// lines in its own type errors, but an error from a custom unmarshaler (an
// Alertmanager matcher that does not parse, say) arrives bare; then the
// failing node is found by decoding the tree piece by piece.
func decodeError(err error, root *yaml.Node) error {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		return yamlError(err)
	}
	return &Error{Line: failingLine(root, reflect.TypeFor[Config]()), Reason: err.Error()}
}

// failingLine returns the line of the smallest node under n that does not
// decode into t.
func failingLine(n *yaml.Node, t reflect.Type) int {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	fails := func(c *yaml.Node, ct reflect.Type) bool { return c.Decode(reflect.New(ct).Interface()) != nil }
	switch {
	case n.Kind == yaml.MappingNode && t.Kind() == reflect.Struct:
		fields := yamlFields(t)
		for i := 0; i+1 < len(n.Content); i += 2 {
			if ft, ok := fields[n.Content[i].Value]; ok && fails(n.Content[i+1], ft) {
				return deeper(failingLine(n.Content[i+1], ft), n.Content[i].Line)
			}
		}
	case n.Kind == yaml.MappingNode && t.Kind() == reflect.Map:
		for i := 0; i+1 < len(n.Content); i += 2 {
			if fails(n.Content[i+1], t.Elem()) {
				return deeper(failingLine(n.Content[i+1], t.Elem()), n.Content[i].Line)
			}
		}
	case n.Kind == yaml.SequenceNode && t.Kind() == reflect.Slice:
		for _, c := range n.Content {
			if fails(c, t.Elem()) {
				return deeper(failingLine(c, t.Elem()), c.Line)
			}
		}
	}
	return n.Line
}

func deeper(inner, outer int) int {
	if inner > 0 {
		return inner
	}
	return outer
}
