package newrelic

import (
	"testing"

	"github.com/alertgate/alertgate/router/source"
	"github.com/alertgate/alertgate/router/source/sourcetest"
)

// essential are the fields a New Relic alert cannot do without: the
// state and the issue or incident id its fingerprint comes from.
var essential = sourcetest.EssentialFields("state", "issueId", "id", "current_state", "incident_id")

func parse(doc []byte) (source.Batch, error) { return testParser().Parse(doc) }

func TestLeniency_NoOptionalFieldRefusesTheAlertAndEveryNeededOneIsNamed(t *testing.T) {
	sourcetest.Leniency(t, sourcetest.Samples(t), essential, parse)
}

// FuzzLeniency puts arbitrary JSON into the optional fields of the real
// payloads: the alert must be accepted with the same fingerprint and
// status.
func FuzzLeniency(f *testing.F) {
	s := sourcetest.Samples(f)
	sourcetest.Seed(f, s)
	f.Fuzz(func(t *testing.T, sample, field uint, value []byte) {
		sourcetest.Mutate(t, s, essential, parse, sample, field, value)
	})
}
