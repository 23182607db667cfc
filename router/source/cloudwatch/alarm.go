package cloudwatch

import (
	"encoding/json"
	"errors"
	"strings"

	"github.com/alertgate/alertgate/router/source"
)

// CloudWatch alarm states as they appear in NewStateValue and OldStateValue.
const (
	stateAlarm            = "ALARM"
	stateOK               = "OK"
	stateInsufficientData = "INSUFFICIENT_DATA"
)

// alarm is the CloudWatch alarm state change that SNS carries, JSON-encoded,
// in a notification's Message. Only the fields alertgate uses are declared;
// scalars are Flex types because hand-written test publishes and older
// alarm versions vary their JSON types. The name, the new state and the
// identity (the ARN, or for older alarms without one the account, whose
// region comes from the topic) are what the alert cannot do without;
// every other field is Optional (see source.Optional): it only describes
// the alarm.
type alarm struct {
	AlarmName        source.FlexString                  `json:"AlarmName"`
	NewStateValue    source.FlexString                  `json:"NewStateValue"`
	AlarmArn         source.FlexString                  `json:"AlarmArn"`
	AWSAccountID     source.FlexString                  `json:"AWSAccountId"`
	AlarmDescription source.Optional[source.FlexString] `json:"AlarmDescription"`
	NewStateReason   source.Optional[source.FlexString] `json:"NewStateReason"`
	StateChangeTime  source.Optional[source.FlexTime]   `json:"StateChangeTime"`
	Region           source.Optional[source.FlexString] `json:"Region"`
	OldStateValue    source.Optional[source.FlexString] `json:"OldStateValue"`
	Trigger          source.Optional[*trigger]          `json:"Trigger"`
	// AlarmRule is set, and Trigger absent, for composite alarms.
	AlarmRule source.Optional[source.FlexString] `json:"AlarmRule"`
}

// trigger describes the metric an alarm watches: either one metric
// (MetricName, Namespace, Dimensions) or, for metric math and anomaly
// detection alarms, a list of metric data queries in Metrics.
type trigger struct {
	MetricName source.Optional[source.FlexString] `json:"MetricName"`
	Namespace  source.Optional[source.FlexString] `json:"Namespace"`
	Dimensions source.Optional[[]dimension]       `json:"Dimensions"`
	Metrics    source.Optional[[]metricQuery]     `json:"Metrics"`
}

type dimension struct {
	Name  source.Optional[source.FlexString] `json:"name"`
	Value source.Optional[source.FlexString] `json:"value"`
}

type metricQuery struct {
	ID         source.Optional[source.FlexString] `json:"Id"`
	Expression source.Optional[source.FlexString] `json:"Expression"`
	Label      source.Optional[source.FlexString] `json:"Label"`
	ReturnData source.Optional[source.FlexBool]   `json:"ReturnData"`
	MetricStat source.Optional[*metricStat]       `json:"MetricStat"`
}

type metricStat struct {
	Metric source.Optional[struct {
		MetricName source.Optional[source.FlexString] `json:"MetricName"`
		Namespace  source.Optional[source.FlexString] `json:"Namespace"`
		Dimensions source.Optional[[]dimension]       `json:"Dimensions"`
	}] `json:"Metric"`
}

// str is the text of an optional field; "" when it was absent or
// unreadable.
func str(o source.Optional[source.FlexString]) string { return string(o.Value) }

// errNotAlarm means a Message is not a CloudWatch alarm and should be
// treated as a plain SNS publish.
var errNotAlarm = errors.New("not a CloudWatch alarm")

// parseAlarm decodes msg as a CloudWatch alarm. It returns errNotAlarm for
// messages that are plain text or JSON of another shape, and a 400 naming
// the field for alarms it cannot understand.
func parseAlarm(msg string) (*alarm, error) {
	var a alarm
	if err := source.DecodeJSON([]byte(msg), &a); err != nil {
		if !looksLikeAlarm(msg) {
			return nil, errNotAlarm
		}
		return nil, inMessage(err)
	}
	if a.AlarmName == "" && a.NewStateValue == "" {
		return nil, errNotAlarm
	}
	if a.AlarmName == "" {
		return nil, source.BadRequest("Message.AlarmName", "missing")
	}
	switch s := strings.ToUpper(string(a.NewStateValue)); s {
	case stateAlarm, stateOK, stateInsufficientData:
		a.NewStateValue = source.FlexString(s)
	default:
		return nil, source.BadRequest("Message.NewStateValue", "%q is not ALARM, OK or INSUFFICIENT_DATA", a.NewStateValue)
	}
	return &a, nil
}

// looksLikeAlarm tells a broken alarm (worth a 400) from a JSON message
// that was never meant to be one (worth an alert of its own).
func looksLikeAlarm(msg string) bool {
	var probe struct {
		AlarmName     json.RawMessage `json:"AlarmName"`
		NewStateValue json.RawMessage `json:"NewStateValue"`
	}
	if json.Unmarshal([]byte(msg), &probe) != nil {
		return false
	}
	return probe.AlarmName != nil || probe.NewStateValue != nil
}

// inMessage moves a decoding error's field under "Message", since the
// alarm is JSON nested inside the SNS envelope's Message string.
func inMessage(err error) error {
	var se *source.Error
	if !errors.As(err, &se) {
		return err
	}
	field := "Message"
	if se.Field != "" && se.Field != "(root)" {
		field += "." + se.Field
	}
	return source.BadRequest(field, "%s", se.Reason)
}
