package eventbridge

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/alertgate/alertgate/router/source"
)

// detailTypeAlarm is the detail-type of CloudWatch alarm state changes.
const detailTypeAlarm = "CloudWatch Alarm State Change"

// event is the EventBridge envelope every target receives. What
// identifies the alarm and says what happened is read strictly; every
// other field is Optional: a value of the wrong type is ignored and
// reported, never a reason to refuse the alarm.
type event struct {
	Version    source.Optional[source.FlexString] `json:"version"`
	ID         source.Optional[source.FlexString] `json:"id"`
	DetailType source.FlexString                  `json:"detail-type"`
	Source     source.FlexString                  `json:"source"`
	Account    source.FlexString                  `json:"account"`
	Time       source.Optional[source.FlexTime]   `json:"time"`
	Region     source.FlexString                  `json:"region"`
	Resources  source.FlexStrings                 `json:"resources"`
	Detail     json.RawMessage                    `json:"detail"`
	// Type and TopicArn belong to an SNS envelope, posted here by mistake.
	Type     *string `json:"Type"`
	TopicArn *string `json:"TopicArn"`
}

// alarmDetail is the detail of a CloudWatch Alarm State Change.
type alarmDetail struct {
	AlarmName     source.FlexString              `json:"alarmName"`
	State         state                          `json:"state"`
	PreviousState source.Optional[state]         `json:"previousState"`
	Configuration source.Optional[configuration] `json:"configuration"`
}

// state is an alarm state; only the current one's value is needed.
type state struct {
	Value     source.FlexString                  `json:"value"`
	Reason    source.Optional[source.FlexString] `json:"reason"`
	Timestamp source.Optional[source.FlexTime]   `json:"timestamp"`
}

// configuration is the alarm's definition at the time of the change.
type configuration struct {
	Description source.Optional[source.FlexString] `json:"description"`
	// AlarmRule is set, and Metrics empty, for composite alarms.
	AlarmRule source.Optional[source.FlexString]         `json:"alarmRule"`
	Metrics   source.Optional[[]source.Optional[metric]] `json:"metrics"`
}

// metric is one metric data query of the alarm: a metric (metricStat)
// or an expression (metric math, ANOMALY_DETECTION_BAND).
type metric struct {
	ID         source.Optional[source.FlexString] `json:"id"`
	Expression source.Optional[source.FlexString] `json:"expression"`
	Label      source.Optional[source.FlexString] `json:"label"`
	ReturnData source.Optional[source.FlexBool]   `json:"returnData"`
	MetricStat source.Optional[*metricStat]       `json:"metricStat"`
}

// metricStat names the metric a query reads.
type metricStat struct {
	Metric source.Optional[struct {
		Name       source.Optional[source.FlexString]                             `json:"name"`
		Namespace  source.Optional[source.FlexString]                             `json:"namespace"`
		Dimensions source.Optional[map[string]source.Optional[source.FlexString]] `json:"dimensions"`
	}] `json:"metric"`
}

// snsAlarm is the alarm as CloudWatch publishes it to SNS, the one form
// package cloudwatch normalizes.
type snsAlarm struct {
	AlarmName        string      `json:"AlarmName"`
	AlarmDescription string      `json:"AlarmDescription,omitempty"`
	AWSAccountID     string      `json:"AWSAccountId,omitempty"`
	NewStateValue    string      `json:"NewStateValue"`
	NewStateReason   string      `json:"NewStateReason,omitempty"`
	StateChangeTime  string      `json:"StateChangeTime,omitempty"`
	Region           string      `json:"Region,omitempty"`
	AlarmArn         string      `json:"AlarmArn,omitempty"`
	OldStateValue    string      `json:"OldStateValue,omitempty"`
	Trigger          *snsTrigger `json:"Trigger,omitempty"`
	AlarmRule        string      `json:"AlarmRule,omitempty"`
}

type snsTrigger struct {
	MetricName string         `json:"MetricName,omitempty"`
	Namespace  string         `json:"Namespace,omitempty"`
	Dimensions []snsDimension `json:"Dimensions,omitempty"`
	Metrics    []snsMetric    `json:"Metrics,omitempty"`
}

type snsDimension struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type snsMetric struct {
	ID         string `json:"Id"`
	Expression string `json:"Expression,omitempty"`
	Label      string `json:"Label,omitempty"`
	ReturnData bool   `json:"ReturnData"`
	MetricStat *struct {
		Metric struct {
			MetricName string         `json:"MetricName"`
			Namespace  string         `json:"Namespace"`
			Dimensions []snsDimension `json:"Dimensions,omitempty"`
		} `json:"Metric"`
	} `json:"MetricStat,omitempty"`
}

// toSNS rewrites an alarm state change event as the SNS alarm message of
// the same change.
func toSNS(ev *event, d *alarmDetail) snsAlarm {
	conf := d.Configuration.Value
	out := snsAlarm{
		AlarmName:        string(d.AlarmName),
		AlarmDescription: string(conf.Description.Value),
		AWSAccountID:     string(ev.Account),
		NewStateValue:    strings.ToUpper(string(d.State.Value)),
		NewStateReason:   string(d.State.Reason.Value),
		Region:           string(ev.Region),
		AlarmArn:         alarmARN(ev.Resources),
		OldStateValue:    strings.ToUpper(string(d.PreviousState.Value.Value)),
		AlarmRule:        string(conf.AlarmRule.Value),
		Trigger:          trigger(conf.Metrics.Value),
	}
	at := d.State.Timestamp.Value.Time
	if at.IsZero() {
		at = ev.Time.Value.Time
	}
	if !at.IsZero() {
		out.StateChangeTime = at.UTC().Format(time.RFC3339Nano)
	}
	return out
}

// alarmARN is the resource that names a CloudWatch alarm.
func alarmARN(resources []string) string {
	for _, r := range resources {
		if strings.HasPrefix(r, "arn:") && strings.Contains(r, ":alarm:") {
			return r
		}
	}
	return ""
}

// trigger is the SNS Trigger of the alarm's metrics: one metric for a
// plain metric alarm (as SNS describes those), the list of queries
// otherwise.
func trigger(list []source.Optional[metric]) *snsTrigger {
	var ms []metric
	for _, m := range list {
		if m.Err == nil {
			ms = append(ms, m.Value)
		}
	}
	if len(ms) == 0 {
		return nil
	}
	if len(ms) == 1 && ms[0].MetricStat.Value != nil && ms[0].Expression.Value == "" {
		m := ms[0].MetricStat.Value.Metric.Value
		return &snsTrigger{MetricName: string(m.Name.Value), Namespace: string(m.Namespace.Value), Dimensions: dimensions(m.Dimensions.Value)}
	}
	t := &snsTrigger{}
	for _, q := range ms {
		sm := snsMetric{ID: string(q.ID.Value), Expression: string(q.Expression.Value), Label: string(q.Label.Value), ReturnData: bool(q.ReturnData.Value)}
		if q.MetricStat.Value != nil {
			m := q.MetricStat.Value.Metric.Value
			sm.MetricStat = &struct {
				Metric struct {
					MetricName string         `json:"MetricName"`
					Namespace  string         `json:"Namespace"`
					Dimensions []snsDimension `json:"Dimensions,omitempty"`
				} `json:"Metric"`
			}{}
			sm.MetricStat.Metric.MetricName = string(m.Name.Value)
			sm.MetricStat.Metric.Namespace = string(m.Namespace.Value)
			sm.MetricStat.Metric.Dimensions = dimensions(m.Dimensions.Value)
		}
		t.Metrics = append(t.Metrics, sm)
	}
	return t
}

// dimensions lists a dimension map in name order, so that the alert's
// labels do not depend on JSON object order.
func dimensions(m map[string]source.Optional[source.FlexString]) []snsDimension {
	out := make([]snsDimension, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if v := m[k]; v.Err == nil {
			out = append(out, snsDimension{Name: k, Value: string(v.Value)})
		}
	}
	return out
}
