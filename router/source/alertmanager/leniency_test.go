package alertmanager

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/alertgate/alertgate/router/source"
	"github.com/alertgate/alertgate/router/source/sourcetest"
)

// essential are the fields an Alertmanager alert cannot do without: the
// alerts, their labels and fingerprint (the identity; a fingerprint that
// is not text is computed from the labels, as Alertmanager does) and
// their status.
var essential = sourcetest.EssentialFields("alerts", "alerts[*]", "alerts[*].labels", "alerts[*].labels.*",
	"alerts[*].fingerprint", "alerts[*].status")

// samples are the payloads under testdata: notifications of real
// Alertmanagers, current and old.
func samples(t testing.TB) []sourcetest.Sample {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	var out []sourcetest.Sample
	for _, p := range paths {
		if strings.HasSuffix(p, ".golden.json") {
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, sourcetest.Sample{Name: filepath.Base(p), Doc: b})
	}
	return out
}

func parse(doc []byte) (source.Batch, error) { return testParser().Parse(doc) }

func TestLeniency_NoOptionalFieldRefusesTheAlertAndEveryNeededOneIsNamed(t *testing.T) {
	sourcetest.Leniency(t, samples(t), essential, parse)
}

// FuzzLeniency puts arbitrary JSON into the optional fields of the real
// payloads: every alert must be accepted with the same fingerprint and
// status.
func FuzzLeniency(f *testing.F) {
	s := samples(f)
	sourcetest.Seed(f, s)
	f.Fuzz(func(t *testing.T, sample, field uint, value []byte) {
		sourcetest.Mutate(t, s, essential, parse, sample, field, value)
	})
}
