package config

import (
	"os"
	"testing"
)

// FuzzParse feeds arbitrary YAML to the configuration loader: no panic,
// and whatever it accepts is valid.
func FuzzParse(f *testing.F) {
	for _, p := range []string{"alertgate.yml", "../deploy/compose/alertgate.yml"} {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(minimal))
	f.Add([]byte("route: {receiver: ${X:-}}\n"))
	getenv := func(k string) (string, bool) { return "value-of-" + k, k != "UNSET" }
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := Parse(data, getenv)
		if err != nil {
			return
		}
		if err := cfg.Validate(); err != nil {
			t.Fatalf("Parse accepted a configuration that does not validate: %v", err)
		}
	})
}
