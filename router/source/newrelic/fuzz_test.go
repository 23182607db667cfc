package newrelic

import (
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/router/source"
)

func FuzzParse(f *testing.F) {
	files, err := filepath.Glob("testdata/*.json")
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range files {
		if strings.HasSuffix(name, ".golden.json") {
			continue
		}
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"state": "ACTIVATED", "accumulations": {"tag": {"a.b": ["x"]}, "tag.9": 1}}`))
	f.Add([]byte(`{"id": "i", "state": "CLOSED", "createdAt": 1e18, "updatedAt": -1}`))
	p := testParser()
	f.Fuzz(func(t *testing.T, body []byte) {
		b, err := p.Parse(body)
		if err != nil {
			var e *source.Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v (%T) is not a *source.Error", err, err)
			}
			if e.Status != http.StatusBadRequest {
				t.Fatalf("status %d for %v", e.Status, e)
			}
			return
		}
		if len(b.Alerts) != 1 {
			t.Fatalf("accepted %d alerts, want 1", len(b.Alerts))
		}
		a := b.Alerts[0]
		if err := a.Validate(); err != nil {
			t.Fatalf("invalid alert: %v", err)
		}
		if a.Source != alert.SourceNewRelic || len(a.Raw) > alert.MaxRawLen {
			t.Fatalf("source %q, raw %d bytes", a.Source, len(a.Raw))
		}
		// Every later stage stores or sends the alert as JSON.
		if _, err := json.Marshal(a); err != nil {
			t.Fatalf("alert cannot be marshaled: %v", err)
		}
	})
}
