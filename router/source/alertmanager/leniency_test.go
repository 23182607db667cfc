package alertmanager

import (
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

func parse(doc []byte) (source.Batch, error) { return testParser().Parse(doc) }

func TestLeniency_NoOptionalFieldRefusesTheAlertAndEveryNeededOneIsNamed(t *testing.T) {
	sourcetest.Leniency(t, sourcetest.Samples(t), essential, parse)
}

// FuzzLeniency puts arbitrary JSON into the optional fields of the real
// payloads: every alert must be accepted with the same fingerprint and
// status.
func FuzzLeniency(f *testing.F) {
	s := sourcetest.Samples(f)
	sourcetest.Seed(f, s)
	f.Fuzz(func(t *testing.T, sample, field uint, value []byte) {
		sourcetest.Mutate(t, s, essential, parse, sample, field, value)
	})
}
