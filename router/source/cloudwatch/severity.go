package cloudwatch

import (
	"regexp"

	"github.com/alertgate/alertgate/alert"
)

// CloudWatch alarms have no severity, so teams encode one in the
// description ("severity=critical") or the name ("[critical] api 5xx",
// "api-critical-5xx"). These patterns find those conventions.
var (
	severityHint = regexp.MustCompile(`(?i)\bseverity\s*[=:]\s*["']?([a-z0-9]+)`)
	severityTag  = regexp.MustCompile(`(?i)^\s*\[(critical|warning|info)\]`)
	// severityWord needs the word delimited by anything but a letter or
	// digit, so "api_critical_5xx" matches and "noncritical" does not.
	severityWord = regexp.MustCompile(`(?i)(?:^|[^a-z0-9])(critical|warning)(?:[^a-z0-9]|$)`)
)

// alarmSeverity derives a severity from an explicit hint in the
// description, else from a tag or word in the name, else warning: an alarm
// someone routed to alertgate deserves attention, but not a page by default.
func alarmSeverity(description, name string) alert.Severity {
	if m := severityHint.FindStringSubmatch(description); m != nil {
		if s, ok := alert.ParseSeverity(m[1]); ok {
			return s
		}
	}
	for _, re := range []*regexp.Regexp{severityTag, severityWord} {
		if m := re.FindStringSubmatch(name); m != nil {
			if s, ok := alert.ParseSeverity(m[1]); ok {
				return s
			}
		}
	}
	return alert.SeverityWarning
}
