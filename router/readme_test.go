package router

import (
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// TestReadme_SampleRequestsAreAccepted posts every sample request of the
// README's quick start (curl with a bearer token, a --data file and an
// endpoint) to a router on the example configuration, as `make run`
// serves it: each must be accepted and notify.
func TestReadme_SampleRequestsAreAccepted(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	example, err := os.ReadFile(filepath.Join("..", "config", "alertgate.yml"))
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, string(example), nil)
	curl := regexp.MustCompile(`(?s)curl -sS (?:-H 'Authorization: Bearer ([^']+)' \\\s+)?-H 'Content-Type: application/json' \\\s+--data @(\S+) \\\s+http://localhost:9095(\S+)`)
	samples := curl.FindAllSubmatch(readme, -1)
	if len(samples) < 3 {
		t.Fatalf("found %d sample requests in README.md, want one per source", len(samples))
	}
	for _, s := range samples {
		token, file, path := string(s[1]), string(s[2]), string(s[3])
		t.Run(path, func(t *testing.T) {
			body, err := os.ReadFile(filepath.Join("..", file))
			if err != nil {
				t.Fatal(err)
			}
			code, resp := h.post(path, token, body)
			if code != http.StatusOK || resp["notify"] == nil || resp["notify"].(float64) < 1 {
				t.Errorf("POST %s with %s: %d %v, want accepted and notified", path, file, code, resp)
			}
		})
	}
}
