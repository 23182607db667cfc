package runbook

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoad feeds arbitrary files to the runbook loader and linter: no
// panic, and a runbook that loads has what the matcher needs.
func FuzzLoad(f *testing.F) {
	files, _ := filepath.Glob("../../runbooks/*.yaml")
	for _, p := range files[:min(3, len(files))] {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("id: x\ntitle: y\nmatch: [{matchers: ['a=\"b\"']}]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "fuzz.yaml"), data, 0o600); err != nil {
			t.Fatal(err)
		}
		rbs, err := Load(dir)
		_ = Lint(dir, []string{"HighErrorRate"})
		if err != nil {
			return
		}
		for _, rb := range rbs {
			if rb.ID == "" || len(rb.Match) == 0 {
				t.Fatalf("loaded a runbook without id or match: %+v", rb)
			}
			NewMatcher(rbs).Match(map[string]string{"alertname": "x"})
		}
	})
}
