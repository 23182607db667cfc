package alertmanager

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
	f.Add([]byte(`{"alerts": [{"labels": {"a": "b"}, "startsAt": 1}]}`))
	p := Parser{Now: testParser().Now, MaxAlerts: 50}
	f.Fuzz(func(t *testing.T, body []byte) {
		b, err := p.Parse(body)
		if err != nil {
			var e *source.Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v (%T) is not a *source.Error", err, err)
			}
			if e.Status != http.StatusBadRequest && e.Status != http.StatusRequestEntityTooLarge {
				t.Fatalf("status %d for %v", e.Status, e)
			}
			return
		}
		if len(b.Alerts) == 0 || len(b.Alerts) > p.MaxAlerts {
			t.Fatalf("accepted %d alerts", len(b.Alerts))
		}
		for i, a := range b.Alerts {
			if err := a.Validate(); err != nil {
				t.Fatalf("alerts[%d] invalid: %v", i, err)
			}
			if a.Source != alert.SourceAlertmanager || len(a.Raw) > alert.MaxRawLen {
				t.Fatalf("alerts[%d]: source %q, raw %d bytes", i, a.Source, len(a.Raw))
			}
			// Every later stage stores or sends the alert as JSON.
			if _, err := json.Marshal(a); err != nil {
				t.Fatalf("alerts[%d] cannot be marshaled: %v", i, err)
			}
		}
	})
}
