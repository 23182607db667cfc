package storm

import (
	"fmt"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/replay"
	"github.com/alertgate/alertgate/router/source/cloudwatch/snstest"
)

// The AWS account, region and SNS topic of the example configuration.
const (
	awsAccount = "123456789012"
	awsRegion  = "ap-northeast-1"
	snsTopic   = "arn:aws:sns:ap-northeast-1:123456789012:alertgate-cloudwatch"
)

// cwAlarm is a CloudWatch alarm that notifies alertgate through SNS.
type cwAlarm struct {
	name        string
	description string
	namespace   string
	metric      string
	dimensions  map[string]string
	threshold   float64
}

// transition returns the SNS deliveries of one alarm state change: one,
// or two with the same MessageId when SNS retries a delivery it thinks
// failed (SNS promises at-least-once, not exactly-once).
func (w *world) transition(at time.Time, a *cwAlarm, from, to string) []replay.Record {
	alarm := snstest.Alarm{
		Name: a.name, Description: a.description, AccountID: awsAccount, Region: awsRegion,
		State: to, OldState: from, Reason: a.reason(to, w.rng.Float64()),
		Namespace: a.namespace, Metric: a.metric, Threshold: a.threshold, Time: at,
	}
	for _, k := range sortedKeys(a.dimensions) {
		alarm.Dimensions = append(alarm.Dimensions, snstest.Dimension{Name: k, Value: a.dimensions[k]})
	}
	sent := at.Add(time.Duration(200+w.rng.IntN(800)) * time.Millisecond)
	m := snstest.AlarmNotification(snsTopic, alarm)
	// Deterministic where SNS is not, so the trace can be regenerated;
	// replay does not verify signatures, so they only have the right shape.
	m.MessageID, m.Timestamp = w.uuid(), sent.UTC().Format("2006-01-02T15:04:05.000Z")
	m.SignatureVersion = "1"
	m.Signature = "EXAMPLEpH+DcEwjAPg8O9mY8dReBSwksfg2S7WKQcikcNKWLQjwu6A4VbeS0QHVCkhRS7fUQvi2egU3N858fiTDN6bkkOxYDVrY0Ad8L10Hs3zH81mtnPk5uvvolIC1CXGu43obcgFxeL3khZl8IKvO61GWB6jI9b5+gLPoBc1Q="
	m.SigningCertURL = "https://sns." + awsRegion + ".amazonaws.com/SimpleNotificationService-9c6465fa7f48f5cacd23014631ec1136.pem"
	header := map[string]string{"X-Amz-Sns-Message-Type": "Notification"}
	out := []replay.Record{record(sent, alert.SourceCloudWatch, header, m)}
	if w.rng.Float64() < 0.1 {
		out = append(out, record(sent.Add(20*time.Second), alert.SourceCloudWatch, header, m))
	}
	return out
}

func (a *cwAlarm) reason(state string, x float64) string {
	switch state {
	case "ALARM":
		return fmt.Sprintf("Threshold Crossed: 3 datapoints [%.1f, %.1f, %.1f] were greater than the threshold (%.1f).",
			a.threshold*(1.1+x), a.threshold*(1.05+x/2), a.threshold*1.02, a.threshold)
	case "OK":
		return fmt.Sprintf("Threshold Crossed: 1 datapoint [%.1f] was not greater than the threshold (%.1f).", a.threshold*(0.5+x/3), a.threshold)
	}
	return "Insufficient Data: 1 datapoint was unknown."
}
