package cloudwatch

import (
	"strings"
	"time"

	"github.com/alertgate/alertgate/alert"
)

// plainName names alerts from publishes that have no Subject.
const plainName = "SNS message"

// plainAlert turns a publish that is not a CloudWatch alarm (a script's
// `aws sns publish`, another AWS service) into a firing alert: dropping it
// would hide whatever someone thought worth sending to an alerting topic.
// It never resolves on its own.
//
// Its identity is the topic and the Subject, which names the problem
// ("Backup failed"), so repeats deduplicate even when their text varies
// (a timestamp, an exit code). Without a Subject, the text is all that
// tells two problems apart, so it is part of the identity too: the same
// message again deduplicates, a different one is a new alert.
func plainAlert(m *envelope, now time.Time) alert.Alert {
	name := plainName
	if s := strings.TrimSpace(m.Subject); s != "" {
		name = alert.Truncate(s, alert.MaxLabelValueLen)
	}
	a := alert.Alert{
		Source:      alert.SourceCloudWatch,
		Name:        name,
		Status:      alert.StatusFiring,
		Severity:    alarmSeverity(m.Message, m.Subject),
		StartsAt:    envelopeTime(m, now),
		Fingerprint: plainFingerprint(m),
		Annotations: map[string]string{
			"summary":        alert.Truncate(firstLine(m.Message), maxSummaryLen),
			"description":    alert.Truncate(strings.TrimSpace(m.Message), alert.MaxAnnotationLen),
			"sns_message_id": m.MessageID,
		},
	}
	a.Normalize()
	topic, ok := parseARN(m.TopicArn)
	if !ok {
		addLabel(a.Labels, labelTopic, m.TopicArn)
	} else {
		addLabel(a.Labels, labelTopic, topic.resource)
		if regionCode.MatchString(topic.region) {
			addLabel(a.Labels, labelRegion, topic.region)
		}
		addLabel(a.Labels, labelAccount, topic.account)
	}
	a.SetRaw([]byte(m.Message))
	return a
}

func plainFingerprint(m *envelope) alert.Fingerprint {
	if strings.TrimSpace(m.Subject) != "" {
		return alert.NewFingerprint(alert.SourceCloudWatch, m.TopicArn, m.Subject)
	}
	return alert.NewFingerprint(alert.SourceCloudWatch, m.TopicArn, "", strings.TrimSpace(m.Message))
}

// firstLine returns the first non-blank line of s.
func firstLine(s string) string {
	for line := range strings.Lines(s) {
		if line = strings.TrimSpace(line); line != "" {
			return line
		}
	}
	return ""
}
