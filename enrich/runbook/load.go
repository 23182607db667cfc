package runbook

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/prometheus/alertmanager/timeinterval"
	"gopkg.in/yaml.v3"
)

// Load reads every runbook under dir (*.yaml and *.yml, recursively,
// skipping hidden directories) for serving. Any error in any file, or two
// runbooks with the same id, fails the whole load, so a reload with a
// broken runbook keeps the previous, good set. What Lint only warns about
// does not stop a load.
func Load(dir string) ([]*Runbook, error) {
	rbs, findings := loadDir(dir)
	errs := errorsOf(sortFindings(findings))
	if len(errs) == 0 {
		return rbs, nil
	}
	joined := make([]error, len(errs))
	for i, f := range errs {
		joined[i] = errors.New(f.String())
	}
	return nil, fmt.Errorf("load runbooks from %s: %w", dir, errors.Join(joined...))
}

// loadDir parses every file under dir and checks that ids are unique. It
// returns the runbooks that parsed, without duplicates, and the findings.
func loadDir(dir string) ([]*Runbook, []Finding) {
	sch, err := compileSchema()
	if err != nil {
		return nil, []Finding{{File: dir, Severity: LevelError, Message: err.Error()}}
	}
	files, err := listFiles(dir)
	if err != nil {
		return nil, []Finding{{File: dir, Severity: LevelError, Message: err.Error()}}
	}
	var (
		rbs      []*Runbook
		findings []Finding
	)
	for _, file := range files {
		rb, fs := parseFile(sch, file)
		findings = append(findings, fs...)
		if rb != nil {
			rbs = append(rbs, rb)
		}
	}
	rbs, dups := dedupe(rbs)
	return rbs, append(findings, dups...)
}

// listFiles returns the runbook files under dir in lexical order, so that
// findings and the fallback order of equally specific runbooks never
// depend on the file system.
func listFiles(dir string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.IsDir() && path != dir && strings.HasPrefix(d.Name(), "."):
			return filepath.SkipDir
		case !d.IsDir() && isRunbookFile(d.Name()):
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list runbooks: %w", err)
	}
	return files, nil
}

func isRunbookFile(name string) bool {
	ext := filepath.Ext(name)
	return (ext == ".yaml" || ext == ".yml") && !strings.HasPrefix(name, ".")
}

// dedupe keeps the first runbook of each id (in file order) and reports
// every later one, naming both files.
func dedupe(rbs []*Runbook) ([]*Runbook, []Finding) {
	first := map[string]*Runbook{}
	var (
		out      []*Runbook
		findings []Finding
	)
	for _, rb := range rbs {
		if prev, ok := first[rb.ID]; ok {
			findings = append(findings, Finding{
				File: rb.File, Line: rb.line, Severity: LevelError,
				Message: fmt.Sprintf("duplicate id %q: already used by %s:%d", rb.ID, prev.File, prev.line),
			})
			continue
		}
		first[rb.ID] = rb
		out = append(out, rb)
	}
	return out, findings
}

// parseFile reads one runbook. A file is checked against the schema first,
// because its messages name the offending key; only a file that passes is
// decoded, strictly, into a Runbook, which catches what the schema cannot
// (matcher syntax, time intervals).
func parseFile(sch *schema, file string) (*Runbook, []Finding) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, []Finding{{File: file, Severity: LevelError, Message: fmt.Sprintf("read: %v", err)}}
	}
	root, f := parseNode(data)
	if f != nil {
		f.File = file
		return nil, []Finding{*f}
	}
	if fs := sch.validate(root, file); len(fs) > 0 {
		return nil, fs
	}
	rb, fs := decode(data, root, file)
	if rb != nil {
		rb.File = file
		rb.line = keyLine(root, "id")
	}
	return rb, fs
}

// parseNode parses data into a node tree, insisting on exactly one
// document.
func parseNode(data []byte) (*yaml.Node, *Finding) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &Finding{Line: 1, Severity: LevelError, Message: "empty file: want one runbook"}
		}
		return nil, syntaxFinding(err)
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case errors.Is(err, io.EOF):
		return &doc, nil
	case err != nil:
		return nil, syntaxFinding(err)
	}
	return nil, &Finding{Line: extra.Line, Severity: LevelError, Message: "a second YAML document: put one runbook per file"}
}

func syntaxFinding(err error) *Finding {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := lineIn(msg)
	msg = strings.TrimPrefix(msg, fmt.Sprintf("line %d: ", line))
	return &Finding{Line: line, Severity: LevelError, Message: "invalid YAML: " + msg}
}

// lineIn finds the line yaml.v3 puts in its messages ("yaml: line 3:
// ...", "line 3: ..."), or 0.
func lineIn(msg string) int {
	_, rest, found := strings.Cut(msg, "line ")
	if !found {
		return 0
	}
	end := strings.IndexFunc(rest, func(r rune) bool { return r < '0' || r > '9' })
	if end >= 0 {
		rest = rest[:end]
	}
	n, err := strconv.Atoi(rest)
	if err != nil {
		return 0
	}
	return n
}

// decode decodes data strictly (unknown keys are errors) into a Runbook.
func decode(data []byte, root *yaml.Node, file string) (*Runbook, []Finding) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var rb Runbook
	err := dec.Decode(&rb)
	if err == nil {
		return &rb, nil
	}
	return nil, decodeFindings(err, root, file)
}

// decodeFindings turns a decoding error into findings with lines. yaml.v3
// type errors carry lines, our own unmarshalers return nodeErrors, and
// Alertmanager's time interval parsers return bare errors, whose place is
// found by decoding the silence_during entries piece by piece.
func decodeFindings(err error, root *yaml.Node, file string) []Finding {
	var (
		te *yaml.TypeError
		ne *nodeError
	)
	switch {
	case errors.As(err, &te):
		out := make([]Finding, len(te.Errors))
		for i, msg := range te.Errors {
			line := lineIn(msg)
			out[i] = Finding{File: file, Line: line, Severity: LevelError, Message: strings.TrimPrefix(msg, fmt.Sprintf("line %d: ", line))}
		}
		return out
	case errors.As(err, &ne):
		return []Finding{{File: file, Line: ne.line, Severity: LevelError, Message: ne.msg}}
	}
	return []Finding{{File: file, Line: intervalErrorLine(root), Severity: LevelError, Message: fmt.Sprintf("silence_during: %v", err)}}
}

// intervalErrorLine returns the line of the smallest part of silence_during
// that does not decode, or 1 if none fails on its own.
func intervalErrorLine(root *yaml.Node) int {
	seq := valueOf(root, "silence_during")
	if seq == nil {
		return 1
	}
	for _, item := range seq.Content {
		if !decodesAsInterval(item) {
			return failingPart(item)
		}
	}
	return seq.Line
}

func failingPart(item *yaml.Node) int {
	for i := 0; i+1 < len(item.Content); i += 2 {
		key, val := item.Content[i], item.Content[i+1]
		if decodesAsInterval(mapping(key, val)) {
			continue
		}
		if val.Kind == yaml.SequenceNode {
			for _, e := range val.Content {
				if !decodesAsInterval(mapping(key, &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Content: []*yaml.Node{e}})) {
					return e.Line
				}
			}
		}
		return key.Line
	}
	return item.Line
}

func decodesAsInterval(n *yaml.Node) bool {
	var ti timeinterval.TimeInterval
	return n.Decode(&ti) == nil
}

func mapping(key, val *yaml.Node) *yaml.Node {
	return &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Content: []*yaml.Node{key, val}}
}

// valueOf returns the value of key in the document's top-level mapping.
func valueOf(root *yaml.Node, key string) *yaml.Node {
	m := docMapping(root)
	if m == nil {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// keyLine returns the line of key in the document's top-level mapping, or
// the document's first line.
func keyLine(root *yaml.Node, key string) int {
	m := docMapping(root)
	if m == nil {
		return 1
	}
	return keyLineIn(m, key)
}

func docMapping(root *yaml.Node) *yaml.Node {
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	if root.Kind != yaml.MappingNode {
		return nil
	}
	return root
}
