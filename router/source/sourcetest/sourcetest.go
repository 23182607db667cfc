// Package sourcetest checks a source parser against the leniency rule of
// package source: a field the parser does not need to build the alert
// never causes a refusal, whatever its JSON type, and a field it does
// need is refused with a 400 naming it. Each source's tests run Leniency
// over their real sample payloads and a fuzz target built on Mutate.
package sourcetest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/alertgate/alertgate/router/source"
)

// Path is the place of a value in a JSON document: object keys (string)
// and list indexes (int), from the root.
type Path []any

// String renders p as source.Error names fields: "alerts[0].labels".
func (p Path) String() string { return p.render(false) }

// Pattern renders p with every list index as [*], for matching against a
// list of essential fields: "alerts[*].labels".
func (p Path) Pattern() string { return p.render(true) }

func (p Path) render(anyIndex bool) string {
	var b strings.Builder
	for _, e := range p {
		switch e := e.(type) {
		case int:
			if anyIndex {
				b.WriteString("[*]")
			} else {
				b.WriteString("[" + strconv.Itoa(e) + "]")
			}
		default:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			fmt.Fprint(&b, e)
		}
	}
	return b.String()
}

// Value is one JSON value to put in a field, or the field's absence.
type Value struct {
	Name string
	// JSON is the value; nil removes the field.
	JSON []byte
}

// Values are a value of every JSON type, empty and not, and absence.
var Values = []Value{
	{"absent", nil},
	{"null", []byte(`null`)},
	{"false", []byte(`false`)},
	{"true", []byte(`true`)},
	{"zero", []byte(`0`)},
	{"number", []byte(`-12.5e3`)},
	{"empty-string", []byte(`""`)},
	{"string", []byte(`"text"`)},
	{"empty-list", []byte(`[]`)},
	{"list", []byte(`["text", 1, {"k": "v"}]`)},
	{"empty-object", []byte(`{}`)},
	{"object", []byte(`{"k": "v", "n": [1]}`)},
}

// Paths lists the path of every value in doc below the root, in a fixed
// order (object keys sorted, parents before their children).
func Paths(doc []byte) ([]Path, error) {
	v, err := decode(doc)
	if err != nil {
		return nil, err
	}
	var out []Path
	var walk func(v any, p Path)
	walk = func(v any, p Path) {
		switch v := v.(type) {
		case map[string]any:
			for _, k := range slices.Sorted(maps.Keys(v)) {
				q := append(slices.Clip(p), k)
				out = append(out, q)
				walk(v[k], q)
			}
		case []any:
			for i, e := range v {
				q := append(slices.Clip(p), i)
				out = append(out, q)
				walk(e, q)
			}
		}
	}
	walk(v, nil)
	return out, nil
}

// Set returns doc with the value at p replaced by val, or removed when
// val.JSON is nil (a list element is then replaced by null, since
// removing it would shift its siblings' paths).
func Set(doc []byte, p Path, val Value) ([]byte, error) {
	root, err := decode(doc)
	if err != nil {
		return nil, err
	}
	var nv any
	if val.JSON != nil {
		if nv, err = decode(val.JSON); err != nil {
			return nil, fmt.Errorf("value %s: %w", val.Name, err)
		}
	}
	if len(p) == 0 {
		return nil, errors.New("cannot replace the root")
	}
	parent := root
	for _, e := range p[:len(p)-1] {
		if parent, err = child(parent, e); err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
	}
	switch c := parent.(type) {
	case map[string]any:
		k, _ := p[len(p)-1].(string)
		if val.JSON == nil {
			delete(c, k)
		} else {
			c[k] = nv
		}
	case []any:
		i, _ := p[len(p)-1].(int)
		if i >= len(c) {
			return nil, fmt.Errorf("%s: index out of range", p)
		}
		c[i] = nv
	default:
		return nil, fmt.Errorf("%s: parent is a scalar", p)
	}
	return json.Marshal(root)
}

func child(v any, e any) (any, error) {
	switch c := v.(type) {
	case map[string]any:
		k, _ := e.(string)
		if x, ok := c[k]; ok {
			return x, nil
		}
	case []any:
		if i, ok := e.(int); ok && i < len(c) {
			return c[i], nil
		}
	}
	return nil, fmt.Errorf("no %v", e)
}

func decode(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

// Parser is a source's parser as the checks see it: a payload document
// in, a batch or an error out. A source whose payloads are wrapped (SNS
// signs the CloudWatch alarm it carries) wraps the document itself.
type Parser func(doc []byte) (source.Batch, error)

// Essential reports whether the field at a path is one the parser needs.
type Essential func(Path) bool

// EssentialFields is an Essential for a list of field patterns
// (Path.Pattern); a pattern ending in ".*" also covers every field below.
func EssentialFields(patterns ...string) Essential {
	return func(p Path) bool {
		s := p.Pattern()
		for _, pat := range patterns {
			if s == pat {
				return true
			}
			if prefix, ok := strings.CutSuffix(pat, ".*"); ok && strings.HasPrefix(s, prefix+".") {
				return true
			}
		}
		return false
	}
}

// Outcome is what matters of a parse for the rule: each alert's
// fingerprint and status, in order.
func Outcome(b source.Batch) []string {
	out := make([]string, len(b.Alerts))
	for i, a := range b.Alerts {
		out[i] = string(a.Fingerprint) + " " + string(a.Status)
	}
	return out
}

// Sample is a real payload the parser accepts.
type Sample struct {
	Name string
	Doc  []byte
}

// Samples reads the payloads under testdata/ (*.json but the golden
// files).
func Samples(t testing.TB) []Sample {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	var out []Sample
	for _, p := range paths {
		if strings.HasSuffix(p, ".golden.json") {
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, Sample{Name: filepath.Base(p), Doc: b})
	}
	return out
}

// Leniency runs the rule over every sample: every field the parser can
// do without, replaced by a value of each JSON type or removed, gives
// the sample's fingerprints and statuses; every field it needs, replaced
// so, is accepted or refused with a 400 naming that field.
func Leniency(t *testing.T, samples []Sample, essential Essential, parse Parser) {
	t.Helper()
	for _, s := range samples {
		want := accepted(t, parse, s.Name, s.Doc)
		paths, err := Paths(s.Doc)
		if err != nil {
			t.Fatalf("%s: %v", s.Name, err)
		}
		for _, p := range paths {
			for _, v := range Values {
				doc, err := Set(s.Doc, p, v)
				if err != nil {
					t.Fatalf("%s: %v", s.Name, err)
				}
				what := fmt.Sprintf("%s with %s %s", s.Name, p, v.Name)
				if essential(p) {
					CheckEssential(t, what, p, parse, doc)
				} else {
					CheckOptional(t, what, parse, doc, want)
				}
			}
		}
	}
}

func accepted(t *testing.T, parse Parser, name string, doc []byte) []string {
	t.Helper()
	b, err := parse(doc)
	if err != nil {
		t.Fatalf("sample %s refused: %v", name, err)
	}
	return Outcome(b)
}

// CheckOptional asserts that doc, a sample whose optional field was
// changed, is accepted with the sample's outcome want.
func CheckOptional(t testing.TB, what string, parse Parser, doc []byte, want []string) {
	t.Helper()
	b, err := parse(doc)
	if err != nil {
		t.Errorf("%s: refused (%v); the field is not needed, so the alert must be accepted", what, err)
		return
	}
	if got := Outcome(b); !slices.Equal(got, want) {
		t.Errorf("%s: fingerprint and status %v, want %v as without the change", what, got, want)
	}
}

// CheckEssential asserts that doc, a sample whose needed field at p was
// changed, is accepted or refused with a 400 that names p, a field below
// it, or the field that holds it (a label's labels, say).
func CheckEssential(t testing.TB, what string, p Path, parse Parser, doc []byte) {
	t.Helper()
	_, err := parse(doc)
	if err == nil {
		return
	}
	var se *source.Error
	switch {
	case !errors.As(err, &se):
		t.Errorf("%s: error %v (%T) is not a *source.Error", what, err, err)
	case se.Status != http.StatusBadRequest:
		t.Errorf("%s: status %d, want 400", what, se.Status)
	case !related(se.Field, p.String()):
		t.Errorf("%s: 400 names field %q, want %q", what, se.Field, p)
	}
}

// related reports whether field names path, a field below it or one
// above it.
func related(field, path string) bool {
	below := func(a, b string) bool {
		return a == b || strings.HasPrefix(a, b+".") || strings.HasPrefix(a, b+"[")
	}
	return field != "" && (below(field, path) || below(path, field))
}

// Mutate is the body of a source's leniency fuzz target: it puts value
// (as JSON if it is valid JSON, else as a JSON string) into the optional
// field the index picks in the sample the other index picks, and checks
// that the alert is accepted with the sample's outcome.
func Mutate(t *testing.T, samples []Sample, essential Essential, parse Parser, sample, field uint, value []byte) {
	t.Helper()
	s := samples[int(sample%uint(len(samples)))]
	paths, err := Paths(s.Doc)
	if err != nil {
		t.Fatal(err)
	}
	var optional []Path
	for _, p := range paths {
		if !essential(p) {
			optional = append(optional, p)
		}
	}
	if len(optional) == 0 {
		return
	}
	p := optional[int(field%uint(len(optional)))]
	v := Value{Name: "fuzzed", JSON: value}
	if !json.Valid(value) {
		v.JSON, _ = json.Marshal(string(value))
	}
	doc, err := Set(s.Doc, p, v)
	if err != nil {
		return // nested deeper than encoding/json decodes: not a payload
	}
	CheckOptional(t, fmt.Sprintf("%s with %s = %.80s", s.Name, p, v.JSON), parse, doc, accepted(t, parse, s.Name, s.Doc))
}

// Seed adds a fuzz corpus entry per sample, JSON type and a spread of
// optional fields, so that `go test` alone checks each kind of mutation.
func Seed(f *testing.F, samples []Sample) {
	for i := range samples {
		for j, v := range Values[1:] {
			f.Add(uint(i), uint(j*7), v.JSON)
		}
	}
}
