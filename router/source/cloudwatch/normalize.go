package cloudwatch

import (
	"errors"
	"fmt"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/router/source"
)

// maxSummaryLen bounds the one-line summary: it becomes a PagerDuty
// summary (at most 1024 characters) and a Slack headline.
const maxSummaryLen = 1024

// Labels this source sets besides the well-known ones.
const (
	labelRegion    = "region"
	labelAccount   = "account"
	labelNamespace = "namespace"
	labelMetric    = "metric"
	labelTopic     = "topic"
)

// notification turns a verified Notification into a batch: one alert for
// an ALARM or OK transition or a plain publish, none for INSUFFICIENT_DATA.
func (r *Receiver) notification(m *envelope) (source.Batch, error) {
	a, err := parseAlarm(m.Message)
	switch {
	case errors.Is(err, errNotAlarm):
		return validBatch(plainAlert(m, r.now()))
	case err != nil:
		return source.Batch{}, err
	case a.NewStateValue == stateInsufficientData:
		return source.Batch{Note: fmt.Sprintf("alarm %q is INSUFFICIENT_DATA: not an alert", a.AlarmName)}, nil
	}
	b, err := validBatch(alarmAlert(m, a, r.now()))
	b.Ignored = source.IgnoredFields("Message", a)
	return b, err
}

// validBatch normalizes and validates one alert into a batch.
func validBatch(a alert.Alert) (source.Batch, error) {
	a.Normalize()
	if err := a.Validate(); err != nil {
		return source.Batch{}, source.Invalid("Message", err)
	}
	return source.Batch{Alerts: []alert.Alert{a}}, nil
}

// alarmAlert normalizes an ALARM or OK transition. The fingerprint is the
// alarm's ARN so that ALARM, OK and ALARM again are one incident.
func alarmAlert(m *envelope, a *alarm, now time.Time) alert.Alert {
	name := alert.Truncate(string(a.AlarmName), alert.MaxLabelValueLen)
	loc := alarmLocation(a, m.TopicArn)
	out := alert.Alert{
		Source:      alert.SourceCloudWatch,
		Name:        name,
		Severity:    alarmSeverity(str(a.AlarmDescription), name),
		Fingerprint: alarmFingerprint(a, loc),
		SourceID:    string(a.AlarmArn),
		Annotations: alarmAnnotations(m, a),
	}
	at := a.StateChangeTime.Value.Time
	if at.IsZero() {
		at = envelopeTime(m, now)
	}
	out.StartsAt = at
	out.Status = alert.StatusFiring
	if a.NewStateValue == stateOK {
		// The notification does not say when the alarm fired, so StartsAt
		// stays the transition time; the fingerprint, not StartsAt, ties
		// this resolution to the firing alert.
		out.Status = alert.StatusResolved
		out.EndsAt = at
	}
	out.Normalize()
	out.Labels = alarmLabels(out.Labels, a, loc)
	out.SourceURL, out.GeneratorURL = consoleURLs(loc.region, string(a.AlarmName))
	out.SetRaw([]byte(m.Message))
	return out
}

func alarmFingerprint(a *alarm, loc location) alert.Fingerprint {
	if a.AlarmArn != "" {
		return alert.NewFingerprint(alert.SourceCloudWatch, string(a.AlarmArn))
	}
	region := loc.region
	if region == "" {
		region = str(a.Region)
	}
	return alert.NewFingerprint(alert.SourceCloudWatch, loc.account, region, string(a.AlarmName))
}

// alarmLabels adds the location, the metric and every dimension of the
// alarm to labels, which already hold the well-known labels. Nothing
// already set is overwritten, so a dimension called "severity" cannot
// change routing.
func alarmLabels(labels map[string]string, a *alarm, loc location) map[string]string {
	addLabel(labels, labelRegion, loc.region)
	addLabel(labels, labelAccount, loc.account)
	namespace, metric, dims := a.Trigger.Value.metric()
	addLabel(labels, labelNamespace, namespace)
	addLabel(labels, labelMetric, metric)
	for _, d := range dims {
		addLabel(labels, labelName(str(d.Name)), str(d.Value))
	}
	return labels
}

func alarmAnnotations(m *envelope, a *alarm) map[string]string {
	summary := string(a.AlarmName)
	if r := str(a.NewStateReason); r != "" {
		summary += ": " + r
	}
	ann := map[string]string{
		"summary":        alert.Truncate(summary, maxSummaryLen),
		"new_state":      string(a.NewStateValue),
		"sns_message_id": m.MessageID,
	}
	addAnnotation(ann, "description", str(a.AlarmDescription))
	addAnnotation(ann, "reason", str(a.NewStateReason))
	addAnnotation(ann, "old_state", str(a.OldStateValue))
	addAnnotation(ann, "alarm_rule", str(a.AlarmRule))
	addAnnotation(ann, "expression", a.Trigger.Value.expression())
	return ann
}

// metric returns the namespace and metric name the alarm watches and all
// dimensions involved. For metric math the first queried metric names the
// alarm, and dimensions of every queried metric are collected.
func (t *trigger) metric() (namespace, metric string, dims []dimension) {
	if t == nil {
		return "", "", nil
	}
	namespace, metric, dims = str(t.Namespace), str(t.MetricName), t.Dimensions.Value
	for _, q := range t.Metrics.Value {
		if q.MetricStat.Value == nil {
			continue
		}
		m := q.MetricStat.Value.Metric.Value
		if namespace == "" && metric == "" {
			namespace, metric = str(m.Namespace), str(m.MetricName)
		}
		dims = append(dims, m.Dimensions.Value...)
	}
	return namespace, metric, dims
}

// expression returns the metric math expression whose result the alarm
// compares with its threshold.
func (t *trigger) expression() string {
	if t == nil {
		return ""
	}
	for _, q := range t.Metrics.Value {
		if q.ReturnData.Value && str(q.Expression) != "" {
			return str(q.Expression)
		}
	}
	return ""
}

// envelopeTime is when SNS published m, or now if the timestamp is absent
// or unreadable: it is only a fallback for a missing alarm time.
func envelopeTime(m *envelope, now time.Time) time.Time {
	if t, err := time.Parse(time.RFC3339Nano, m.Timestamp); err == nil {
		return t
	}
	return now
}

func addLabel(labels map[string]string, name, value string) {
	if name == "" || value == "" || len(labels) >= alert.MaxLabels {
		return
	}
	if _, ok := labels[name]; ok {
		return
	}
	// Dimension values are the account owner's free text; a NUL byte,
	// which no label may hold, is dropped rather than refusing the alarm.
	labels[name] = alert.Truncate(alert.WithoutNUL(value), alert.MaxLabelValueLen)
}

func addAnnotation(ann map[string]string, name, value string) {
	if value != "" {
		ann[name] = alert.Truncate(value, alert.MaxAnnotationLen)
	}
}

// labelName turns a CloudWatch dimension name into a label name matching
// [a-zA-Z_][a-zA-Z0-9_]*, so routes and runbooks can match on it.
func labelName(s string) string {
	if s == "" {
		return ""
	}
	b := make([]byte, 0, len(s)+1)
	if s[0] >= '0' && s[0] <= '9' {
		b = append(b, '_')
	}
	for i := 0; i < len(s) && len(b) < alert.MaxLabelNameLen; i++ {
		c := s[i]
		if c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			b = append(b, c)
		} else {
			b = append(b, '_')
		}
	}
	return string(b)
}
