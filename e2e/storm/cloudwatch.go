package storm

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/replay"
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

// cwDimension is a dimension as an alarm's Trigger lists it.
type cwDimension struct {
	Value string `json:"value"`
	Name  string `json:"name"`
}

// cwTrigger is the metric an alarm watches.
type cwTrigger struct {
	MetricName         string        `json:"MetricName"`
	Namespace          string        `json:"Namespace"`
	StatisticType      string        `json:"StatisticType"`
	Statistic          string        `json:"Statistic"`
	Dimensions         []cwDimension `json:"Dimensions"`
	Period             int           `json:"Period"`
	EvaluationPeriods  int           `json:"EvaluationPeriods"`
	ComparisonOperator string        `json:"ComparisonOperator"`
	Threshold          float64       `json:"Threshold"`
	TreatMissingData   string        `json:"TreatMissingData"`
}

// cwMessage is the alarm state change CloudWatch publishes to SNS.
type cwMessage struct {
	AlarmName        string    `json:"AlarmName"`
	AlarmDescription string    `json:"AlarmDescription"`
	AWSAccountID     string    `json:"AWSAccountId"`
	NewStateValue    string    `json:"NewStateValue"`
	NewStateReason   string    `json:"NewStateReason"`
	StateChangeTime  string    `json:"StateChangeTime"`
	Region           string    `json:"Region"`
	AlarmArn         string    `json:"AlarmArn"`
	OldStateValue    string    `json:"OldStateValue"`
	OKActions        []string  `json:"OKActions"`
	AlarmActions     []string  `json:"AlarmActions"`
	Trigger          cwTrigger `json:"Trigger"`
}

// snsEnvelope is an SNS HTTPS notification. Replay does not verify
// signatures, so the signature is a placeholder of the right shape.
type snsEnvelope struct {
	Type             string `json:"Type"`
	MessageID        string `json:"MessageId"`
	TopicArn         string `json:"TopicArn"`
	Subject          string `json:"Subject"`
	Message          string `json:"Message"`
	Timestamp        string `json:"Timestamp"`
	SignatureVersion string `json:"SignatureVersion"`
	Signature        string `json:"Signature"`
	SigningCertURL   string `json:"SigningCertURL"`
	UnsubscribeURL   string `json:"UnsubscribeURL"`
}

// transition returns the SNS deliveries of one alarm state change: one,
// or two with the same MessageId when SNS retries a delivery it thinks
// failed (SNS promises at-least-once, not exactly-once).
func (w *world) transition(at time.Time, a *cwAlarm, from, to string) []replay.Record {
	msg := cwMessage{
		AlarmName:        a.name,
		AlarmDescription: a.description,
		AWSAccountID:     awsAccount,
		NewStateValue:    to,
		NewStateReason:   a.reason(to, w.rng.Float64()),
		StateChangeTime:  at.UTC().Format("2006-01-02T15:04:05.000-0700"),
		Region:           "Asia Pacific (Tokyo)",
		AlarmArn:         "arn:aws:cloudwatch:" + awsRegion + ":" + awsAccount + ":alarm:" + a.name,
		OldStateValue:    from,
		OKActions:        []string{snsTopic},
		AlarmActions:     []string{snsTopic},
		Trigger: cwTrigger{
			MetricName: a.metric, Namespace: a.namespace, StatisticType: "Statistic", Statistic: "AVERAGE",
			Period: 60, EvaluationPeriods: 3, ComparisonOperator: "GreaterThanThreshold",
			Threshold: a.threshold, TreatMissingData: "missing",
		},
	}
	for _, k := range sortedKeys(a.dimensions) {
		msg.Trigger.Dimensions = append(msg.Trigger.Dimensions, cwDimension{Value: a.dimensions[k], Name: k})
	}
	body, err := json.Marshal(msg)
	if err != nil {
		panic(err)
	}
	sent := at.Add(time.Duration(200+w.rng.IntN(800)) * time.Millisecond)
	env := snsEnvelope{
		Type:             "Notification",
		MessageID:        w.uuid(),
		TopicArn:         snsTopic,
		Subject:          fmt.Sprintf("%s: %q in Asia Pacific (Tokyo)", to, a.name),
		Message:          string(body),
		Timestamp:        sent.UTC().Format("2006-01-02T15:04:05.000Z"),
		SignatureVersion: "1",
		Signature:        "EXAMPLEpH+DcEwjAPg8O9mY8dReBSwksfg2S7WKQcikcNKWLQjwu6A4VbeS0QHVCkhRS7fUQvi2egU3N858fiTDN6bkkOxYDVrY0Ad8L10Hs3zH81mtnPk5uvvolIC1CXGu43obcgFxeL3khZl8IKvO61GWB6jI9b5+gLPoBc1Q=",
		SigningCertURL:   "https://sns." + awsRegion + ".amazonaws.com/SimpleNotificationService-9c6465fa7f48f5cacd23014631ec1136.pem",
		UnsubscribeURL:   "https://sns." + awsRegion + ".amazonaws.com/?Action=Unsubscribe&SubscriptionArn=" + snsTopic + ":c9135db0-26c4-47ec-8998-413945fb5a96",
	}
	header := map[string]string{"X-Amz-Sns-Message-Type": "Notification"}
	out := []replay.Record{record(sent, alert.SourceCloudWatch, header, env)}
	if w.rng.Float64() < 0.1 {
		out = append(out, record(sent.Add(20*time.Second), alert.SourceCloudWatch, header, env))
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
