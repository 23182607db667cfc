package eventbridge

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/alertgate/alertgate/router/source"
	"github.com/alertgate/alertgate/router/source/sourcetest"
)

// essential are the fields of an alarm state change the alert cannot do
// without: what kind of event it is and from whom, the alarm's name and
// new state, and its identity (the alarm ARN in resources, or the
// account and region of the event).
var essential = sourcetest.EssentialFields("detail-type", "source", "detail", "detail.alarmName", "detail.state", "detail.state.value",
	"resources", "resources[*]", "account", "region", "Type", "TopicArn")

func parse(doc []byte) (source.Batch, error) {
	p := Parser{Now: func() time.Time { return time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC) }}
	return p.Receive(context.Background(), http.Header{}, doc)
}

func TestLeniency_NoOptionalFieldRefusesTheAlarmAndEveryNeededOneIsNamed(t *testing.T) {
	sourcetest.Leniency(t, sourcetest.Samples(t), essential, parse)
}

// FuzzLeniency puts arbitrary JSON into the optional fields of the real
// events: the alert must be accepted with the same fingerprint and
// status.
func FuzzLeniency(f *testing.F) {
	s := sourcetest.Samples(f)
	sourcetest.Seed(f, s)
	f.Fuzz(func(t *testing.T, sample, field uint, value []byte) {
		sourcetest.Mutate(t, s, essential, parse, sample, field, value)
	})
}
