package config

import (
	"os"
	"reflect"
	"strings"
	"testing"
)

// TestReadme_DocumentsEveryKey keeps the README's configuration reference
// complete: every key of the schema appears in it.
func TestReadme_DocumentsEveryKey(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	start := strings.Index(readme, "## Configuration reference")
	end := strings.Index(readme, "## Metrics")
	if start < 0 || end < start {
		t.Fatal("README has no configuration reference section")
	}
	ref := readme[start:end]
	for _, key := range leafKeys(reflect.TypeFor[Config](), "", map[reflect.Type]bool{}) {
		leaf := key[strings.LastIndex(key, ".")+1:]
		if !strings.Contains(ref, leaf) {
			t.Errorf("README's configuration reference does not mention %s", key)
		}
	}
}

// leafKeys lists the yaml key paths of t's plain fields (not of the
// types that parse themselves, such as Alertmanager's).
func leafKeys(t reflect.Type, prefix string, seen map[reflect.Type]bool) []string {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || hasUnmarshaler(t) || seen[t] || t.PkgPath() != "" && !strings.HasPrefix(t.PkgPath(), "github.com/alertgate/") {
		return []string{strings.TrimSuffix(prefix, ".")}
	}
	seen[t] = true
	defer delete(seen, t)
	var out []string
	for name, ft := range yamlFields(t) {
		out = append(out, leafKeys(ft, prefix+name+".", seen)...)
	}
	return out
}
