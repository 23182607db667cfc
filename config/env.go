package config

import (
	"fmt"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

var envRef = regexp.MustCompile(`\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?\}`)

// expandEnv replaces ${NAME} and ${NAME:-default} in every scalar value of
// the document, in place, so line numbers stay those of the file. "$$"
// stands for a literal "$". Expansion happens after YAML parsing, so a
// secret containing ": " or a newline cannot change the document's
// structure. A reference to an unset variable without a default is an
// error: a missing secret must stop the start, not page nobody.
func expandEnv(n *yaml.Node, getenv Getenv) []error {
	var errs []error
	if n.Kind == yaml.ScalarNode && strings.Contains(n.Value, "$") {
		n.Value = envRef.ReplaceAllStringFunc(n.Value, func(ref string) string {
			if ref == "$$" {
				return "$"
			}
			m := envRef.FindStringSubmatch(ref)
			if v, ok := getenv(m[1]); ok {
				return v
			}
			if m[2] != "" {
				return m[3]
			}
			errs = append(errs, &Error{Line: n.Line, Reason: fmt.Sprintf("environment variable %s is not set (use ${%s:-} to allow empty)", m[1], m[1])})
			return ""
		})
		// Let the expanded text resolve its own type (a plain ${PORT}
		// was a string before expansion and is an int after it).
		if n.Tag == "!!str" {
			n.Tag = ""
		}
	}
	for _, c := range n.Content {
		errs = append(errs, expandEnv(c, getenv)...)
	}
	return errs
}
