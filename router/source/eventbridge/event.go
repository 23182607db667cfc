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

// event is the EventBridge envelope every target receives.
type event struct {
	Version    source.FlexString  `json:"version"`
	ID         source.FlexString  `json:"id"`
	DetailType source.FlexString  `json:"detail-type"`
	Source     source.FlexString  `json:"source"`
	Account    source.FlexString  `json:"account"`
	Time       source.FlexTime    `json:"time"`
	Region     source.FlexString  `json:"region"`
	Resources  source.FlexStrings `json:"resources"`
	Detail     json.RawMessage    `json:"detail"`
	// Type and TopicArn belong to an SNS envelope, posted here by mistake.
	Type     *string `json:"Type"`
	TopicArn *string `json:"TopicArn"`
}

// alarmDetail is the detail of a CloudWatch Alarm State Change.
type alarmDetail struct {
	AlarmName     source.FlexString `json:"alarmName"`
	State         state             `json:"state"`
	PreviousState state             `json:"previousState"`
	Configuration struct {
		Description source.FlexString `json:"description"`
		// AlarmRule is set, and Metrics empty, for composite alarms.
		AlarmRule source.FlexString `json:"alarmRule"`
		Metrics   []metric          `json:"metrics"`
	} `json:"configuration"`
}

type state struct {
	Value     source.FlexString `json:"value"`
	Reason    source.FlexString `json:"reason"`
	Timestamp source.FlexTime   `json:"timestamp"`
}

// metric is one metric data query of the alarm: a metric (metricStat)
// or an expression (metric math, ANOMALY_DETECTION_BAND).
type metric struct {
	ID         source.FlexString `json:"id"`
	Expression source.FlexString `json:"expression"`
	Label      source.FlexString `json:"label"`
	ReturnData source.FlexBool   `json:"returnData"`
	MetricStat *struct {
		Metric struct {
			Name       source.FlexString            `json:"name"`
			Namespace  source.FlexString            `json:"namespace"`
			Dimensions map[string]source.FlexString `json:"dimensions"`
		} `json:"metric"`
	} `json:"metricStat"`
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
	out := snsAlarm{
		AlarmName:        string(d.AlarmName),
		AlarmDescription: string(d.Configuration.Description),
		AWSAccountID:     string(ev.Account),
		NewStateValue:    strings.ToUpper(string(d.State.Value)),
		NewStateReason:   string(d.State.Reason),
		Region:           string(ev.Region),
		AlarmArn:         alarmARN(ev.Resources),
		OldStateValue:    strings.ToUpper(string(d.PreviousState.Value)),
		AlarmRule:        string(d.Configuration.AlarmRule),
		Trigger:          trigger(d.Configuration.Metrics),
	}
	at := d.State.Timestamp.Time
	if at.IsZero() {
		at = ev.Time.Time
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
func trigger(ms []metric) *snsTrigger {
	if len(ms) == 0 {
		return nil
	}
	if len(ms) == 1 && ms[0].MetricStat != nil && ms[0].Expression == "" {
		m := ms[0].MetricStat.Metric
		return &snsTrigger{MetricName: string(m.Name), Namespace: string(m.Namespace), Dimensions: dimensions(m.Dimensions)}
	}
	t := &snsTrigger{}
	for _, q := range ms {
		sm := snsMetric{ID: string(q.ID), Expression: string(q.Expression), Label: string(q.Label), ReturnData: bool(q.ReturnData)}
		if q.MetricStat != nil {
			m := q.MetricStat.Metric
			sm.MetricStat = &struct {
				Metric struct {
					MetricName string         `json:"MetricName"`
					Namespace  string         `json:"Namespace"`
					Dimensions []snsDimension `json:"Dimensions,omitempty"`
				} `json:"Metric"`
			}{}
			sm.MetricStat.Metric.MetricName = string(m.Name)
			sm.MetricStat.Metric.Namespace = string(m.Namespace)
			sm.MetricStat.Metric.Dimensions = dimensions(m.Dimensions)
		}
		t.Metrics = append(t.Metrics, sm)
	}
	return t
}

// dimensions lists a dimension map in name order, so that the alert's
// labels do not depend on JSON object order.
func dimensions(m map[string]source.FlexString) []snsDimension {
	out := make([]snsDimension, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, snsDimension{Name: k, Value: string(m[k])})
	}
	return out
}
