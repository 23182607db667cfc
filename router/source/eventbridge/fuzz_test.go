package eventbridge

import (
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/alertgate/alertgate/router/source"
)

func FuzzReceive(f *testing.F) {
	files, err := filepath.Glob("testdata/*.json")
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"detail-type":"CloudWatch Alarm State Change","detail":{"alarmName":"a","state":{"value":"ALARM","timestamp":1e30}}}`))
	p := Parser{}
	f.Fuzz(func(t *testing.T, body []byte) {
		b, err := p.Receive(t.Context(), http.Header{}, body)
		if err != nil {
			var e *source.Error
			if !errors.As(err, &e) || e.Status/100 != 4 {
				t.Fatalf("error %v (%T) is not a 4xx *source.Error", err, err)
			}
			return
		}
		for _, a := range b.Alerts {
			if err := a.Validate(); err != nil {
				t.Fatalf("accepted an invalid alert: %v", err)
			}
		}
	})
}
