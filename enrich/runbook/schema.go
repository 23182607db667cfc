package runbook

import (
	_ "embed"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"gopkg.in/yaml.v3"
)

// schemaJSON is the runbook format. go:embed cannot reach ../../runbooks,
// so this file is the source of truth and runbooks/schema.json is a copy
// for editors; TestSchema_RunbooksCopyIsIdentical keeps them equal and
// `go generate` refreshes the copy.
//
//go:generate cp schema.json ../../runbooks/schema.json
//go:embed schema.json
var schemaJSON string

// schemaURL names the embedded schema inside the compiler.
const schemaURL = "runbook-schema.json"

// maxNodes bounds the node tree conversion, which expands aliases: a
// runbook is a few hundred nodes, and the bound keeps a self-referencing
// alias or an alias bomb from running away.
const maxNodes = 1 << 16

// schema is the compiled runbook schema.
type schema struct {
	s *jsonschema.Schema
	p *message.Printer
}

// compileSchema compiles the embedded schema. It is cheap enough to do on
// every Load and Lint, which keeps the package free of global state.
func compileSchema() (*schema, error) {
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(schemaJSON))
	if err != nil {
		return nil, fmt.Errorf("runbook schema: %w", err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(schemaURL, doc); err != nil {
		return nil, fmt.Errorf("runbook schema: %w", err)
	}
	s, err := c.Compile(schemaURL)
	if err != nil {
		return nil, fmt.Errorf("runbook schema: %w", err)
	}
	return &schema{s: s, p: message.NewPrinter(language.English)}, nil
}

// validate checks the document at root and returns a finding, with line,
// for each violation.
func (sch *schema) validate(root *yaml.Node, file string) []Finding {
	budget := maxNodes
	err := sch.s.Validate(nodeValue(root, &budget))
	if err == nil {
		return nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return []Finding{{File: file, Line: 1, Severity: LevelError, Message: fmt.Sprintf("schema: %v", err)}}
	}
	var out []Finding
	for _, leaf := range leaves(ve) {
		out = append(out, sch.describe(leaf, root, file)...)
	}
	return out
}

// nodeValue converts a YAML node into the JSON-like value the validator
// expects. Scalars keep their YAML type, so `title: 42` is a number and
// fails the schema as one. Past the node budget everything is null, which
// the schema rejects.
func nodeValue(n *yaml.Node, budget *int) any {
	if *budget--; *budget < 0 {
		return nil
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil
		}
		return nodeValue(n.Content[0], budget)
	case yaml.AliasNode:
		return nodeValue(n.Alias, budget)
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			m[n.Content[i].Value] = nodeValue(n.Content[i+1], budget)
		}
		return m
	case yaml.SequenceNode:
		s := make([]any, len(n.Content))
		for i, c := range n.Content {
			s[i] = nodeValue(c, budget)
		}
		return s
	}
	return scalarValue(n)
}

func scalarValue(n *yaml.Node) any {
	switch n.ShortTag() {
	case "!!null":
		return nil
	case "!!bool", "!!int", "!!float":
		var v any
		if err := n.Decode(&v); err == nil {
			return v
		}
	}
	return n.Value
}

// leaves returns the errors worth showing: the innermost ones. Under an
// anyOf (a step is a string or a mapping) the branches that failed only on
// type are dropped when another branch got further, so a step mapping with
// a misspelled key reports the key, not also "want string".
func leaves(e *jsonschema.ValidationError) []*jsonschema.ValidationError {
	if len(e.Causes) == 0 {
		return []*jsonschema.ValidationError{e}
	}
	causes := e.Causes
	if isAlternatives(e.ErrorKind) {
		causes = slices.DeleteFunc(slices.Clone(causes), onlyType)
		if len(causes) == 0 {
			return []*jsonschema.ValidationError{e}
		}
	}
	var out []*jsonschema.ValidationError
	for _, c := range causes {
		out = append(out, leaves(c)...)
	}
	return out
}

func isAlternatives(k jsonschema.ErrorKind) bool {
	switch k.(type) {
	case *kind.AnyOf, *kind.OneOf:
		return true
	}
	return false
}

// onlyType reports whether e failed on nothing but its type.
func onlyType(e *jsonschema.ValidationError) bool {
	if len(e.Causes) == 0 {
		_, ok := e.ErrorKind.(*kind.Type)
		return ok
	}
	for _, c := range e.Causes {
		if !onlyType(c) {
			return false
		}
	}
	return true
}

// describe turns one leaf error into findings at the right line.
func (sch *schema) describe(e *jsonschema.ValidationError, root *yaml.Node, file string) []Finding {
	n, path := locate(root, e.InstanceLocation)
	at := func(line int, msg string) Finding {
		if path != "" {
			msg = path + ": " + msg
		}
		return Finding{File: file, Line: line, Severity: LevelError, Message: msg}
	}
	switch k := e.ErrorKind.(type) {
	case *kind.AdditionalProperties:
		out := make([]Finding, len(k.Properties))
		for i, p := range k.Properties {
			out[i] = at(keyLineIn(n, p), fmt.Sprintf("unknown field %q", p))
		}
		return out
	case *kind.Required:
		out := make([]Finding, len(k.Missing))
		for i, p := range k.Missing {
			out[i] = at(n.Line, fmt.Sprintf("missing required field %q", p))
		}
		return out
	case *kind.AnyOf, *kind.OneOf:
		return []Finding{at(n.Line, fmt.Sprintf("got %s, want %s", typeName(n), strings.Join(wantedTypes(e), " or ")))}
	}
	return []Finding{at(n.Line, e.ErrorKind.LocalizedString(sch.p))}
}

// wantedTypes collects the types the branches of an alternative wanted.
func wantedTypes(e *jsonschema.ValidationError) []string {
	var want []string
	for _, leaf := range allLeaves(e) {
		if t, ok := leaf.ErrorKind.(*kind.Type); ok {
			want = append(want, t.Want...)
		}
	}
	slices.Sort(want)
	return slices.Compact(want)
}

func allLeaves(e *jsonschema.ValidationError) []*jsonschema.ValidationError {
	if len(e.Causes) == 0 {
		return []*jsonschema.ValidationError{e}
	}
	var out []*jsonschema.ValidationError
	for _, c := range e.Causes {
		out = append(out, allLeaves(c)...)
	}
	return out
}

func typeName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "object"
	case yaml.SequenceNode:
		return "array"
	}
	switch n.ShortTag() {
	case "!!null":
		return "null"
	case "!!bool":
		return "boolean"
	case "!!int", "!!float":
		return "number"
	}
	return "string"
}

// locate follows a JSON pointer's tokens through the node tree and returns
// the node there and its path in YAML terms (match[0].matchers[1]).
func locate(root *yaml.Node, tokens []string) (*yaml.Node, string) {
	n := root
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	var path strings.Builder
	for _, tok := range tokens {
		next, ok := child(n, tok)
		if !ok {
			break
		}
		if n.Kind == yaml.SequenceNode {
			fmt.Fprintf(&path, "[%s]", tok)
		} else {
			if path.Len() > 0 {
				path.WriteByte('.')
			}
			path.WriteString(tok)
		}
		n = next
	}
	return n, path.String()
}

func child(n *yaml.Node, tok string) (*yaml.Node, bool) {
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == tok {
				return n.Content[i+1], true
			}
		}
	case yaml.SequenceNode:
		i, err := strconv.Atoi(tok)
		if err == nil && i >= 0 && i < len(n.Content) {
			return n.Content[i], true
		}
	}
	return nil, false
}

// keyLineIn returns the line of key in mapping n, or n's line.
func keyLineIn(n *yaml.Node, key string) int {
	for i := 0; i+1 < len(n.Content) && n.Kind == yaml.MappingNode; i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i].Line
		}
	}
	return n.Line
}
