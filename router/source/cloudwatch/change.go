package cloudwatch

import (
	"fmt"
	"time"

	"github.com/alertgate/alertgate/router/source"
)

// AlarmChange normalizes one CloudWatch alarm state change that reached
// alertgate by another path than an SNS subscription (EventBridge):
// message is the alarm in the JSON form CloudWatch publishes to SNS, id
// identifies the delivery and published is when it was sent. The alert
// is exactly the one the SNS path makes of the same alarm — same labels,
// same fingerprint (the alarm ARN) — so an alarm seen both ways is one
// alert. INSUFFICIENT_DATA yields no alert, with a note.
func AlarmChange(message []byte, id string, published, now time.Time) (source.Batch, error) {
	a, err := parseAlarm(string(message))
	if err != nil {
		return source.Batch{}, err
	}
	if a.NewStateValue == stateInsufficientData {
		return source.Batch{Note: fmt.Sprintf("alarm %q is INSUFFICIENT_DATA: not an alert", a.AlarmName)}, nil
	}
	m := &envelope{MessageID: id, Message: string(message)}
	if !published.IsZero() {
		m.Timestamp = published.UTC().Format(time.RFC3339Nano)
	}
	return validBatch(alarmAlert(m, a, now))
}
