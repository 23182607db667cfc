package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Error is one problem with a configuration file, located by key path and,
// where known, line.
type Error struct {
	File string
	Line int
	// Path is the dotted key path, e.g. "route.routes[1].receiver".
	Path   string
	Reason string
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		b.WriteByte(':')
	}
	if e.Line > 0 {
		b.WriteString(strconv.Itoa(e.Line))
		b.WriteByte(':')
	}
	if b.Len() > 0 {
		b.WriteByte(' ')
	}
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Reason)
	return b.String()
}

// Errorf returns an Error about the key at path.
func Errorf(path, format string, args ...any) *Error {
	return &Error{Path: path, Reason: fmt.Sprintf(format, args...)}
}

// Getenv looks up an environment variable; os.LookupEnv in production, a
// map in tests.
type Getenv func(name string) (string, bool)

// LoadFile reads, expands, decodes, defaults and validates the file at
// path. Every error is an *Error or a join of them, with file and line.
// Relative paths in the file are relative to the file (resolvePaths).
func LoadFile(path string, getenv Getenv) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	cfg, err := parse(data, getenv, filepath.Dir(path))
	return cfg, withFile(err, path)
}

// resolvePaths makes the relative file and directory paths of the
// configuration (enrich.runbooks_dir, store.redis.tls.ca_file) relative
// to dir, the directory of the file they were read from. Relative to the
// working directory, one file would mean different things from
// different places: the container's /, a benchmark started from another
// directory, check-config run from the repository's root.
func (c *Config) resolvePaths(dir string) {
	if dir == "" {
		return
	}
	for _, p := range []*string{&c.Enrich.RunbooksDir, &c.Store.Redis.TLS.CAFile} {
		if *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(dir, *p)
		}
	}
}

// Parse is LoadFile for configuration already in memory; relative paths
// in it are relative to the working directory.
func Parse(data []byte, getenv Getenv) (*Config, error) {
	return parse(data, getenv, "")
}

func parse(data []byte, getenv Getenv, dir string) (*Config, error) {
	if getenv == nil {
		getenv = os.LookupEnv
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, yamlError(err)
	}
	if len(doc.Content) == 0 {
		return nil, &Error{Reason: "empty configuration"}
	}
	if errs := expandEnv(&doc, getenv); len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	root := doc.Content[0]
	if errs := checkKnownKeys(root, reflect.TypeFor[Config](), ""); len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	cfg := &Config{dir: dir}
	if err := root.Decode(cfg); err != nil {
		return nil, decodeError(err, root)
	}
	cfg.resolvePaths(dir)
	cfg.applyDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, locate(err, lines(root))
	}
	return cfg, nil
}

var yamlLine = regexp.MustCompile(`^line (\d+): (.*)$`)

// yamlError turns yaml's "line N: message" errors into Errors.
func yamlError(err error) error {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return &Error{Reason: strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	errs := make([]error, 0, len(te.Errors))
	for _, msg := range te.Errors {
		e := &Error{Reason: msg}
		if m := yamlLine.FindStringSubmatch(msg); m != nil {
			e.Line, _ = strconv.Atoi(m[1])
			e.Reason = m[2]
		}
		errs = append(errs, e)
	}
	return errors.Join(errs...)
}

// withFile stamps every Error in err with the file name.
func withFile(err error, file string) error {
	if err == nil {
		return nil
	}
	for _, e := range flatten(err) {
		var ce *Error
		if errors.As(e, &ce) {
			ce.File = file
		}
	}
	return err
}

// flatten lists the errors joined in err.
func flatten(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, flatten(e)...)
		}
		return out
	}
	return []error{err}
}

// locate fills in the line of every Error from the key paths of the
// document.
func locate(err error, at map[string]int) error {
	for _, e := range flatten(err) {
		var ce *Error
		if errors.As(e, &ce) && ce.Line == 0 {
			ce.Line = lineOf(at, ce.Path)
		}
	}
	return err
}

// lineOf returns the line of path, or of its closest ancestor that appears
// in the file (a missing key is reported where its parent is).
func lineOf(at map[string]int, path string) int {
	for path != "" {
		if l, ok := at[path]; ok {
			return l
		}
		i := strings.LastIndexAny(path, ".[")
		if i < 0 {
			break
		}
		path = path[:i]
	}
	return 0
}

// lines maps every key path in the document to its line.
func lines(root *yaml.Node) map[string]int {
	at := map[string]int{}
	var walk func(n *yaml.Node, path string)
	walk = func(n *yaml.Node, path string) {
		switch n.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				p := n.Content[i].Value
				if path != "" {
					p = path + "." + p
				}
				at[p] = n.Content[i].Line
				walk(n.Content[i+1], p)
			}
		case yaml.SequenceNode:
			for i, c := range n.Content {
				p := fmt.Sprintf("%s[%d]", path, i)
				at[p] = c.Line
				walk(c, p)
			}
		}
	}
	walk(root, "")
	return at
}
