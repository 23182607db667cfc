package alert

import "strings"

// Severity is alertgate's normalized severity.
type Severity string

// The three severities. Sources map their own scales onto these.
const (
	SeverityCritical Severity = "critical"
	SeverityWarning  Severity = "warning"
	SeverityInfo     Severity = "info"
)

// Valid reports whether s is one of the three severities.
func (s Severity) Valid() bool {
	return s == SeverityCritical || s == SeverityWarning || s == SeverityInfo
}

// Rank orders severities: info < warning < critical. Unknown severities
// rank lowest.
func (s Severity) Rank() int {
	switch s {
	case SeverityCritical:
		return 3
	case SeverityWarning:
		return 2
	case SeverityInfo:
		return 1
	}
	return 0
}

// Max returns the more severe of s and o.
func (s Severity) Max(o Severity) Severity {
	if o.Rank() > s.Rank() {
		return o
	}
	return s
}

// ParseSeverity maps the many spellings senders use (Prometheus rules'
// "page", New Relic's "CRITICAL", PagerDuty's "error") onto a Severity. The
// second result is false when the value is not recognized; callers then
// choose their own default.
func ParseSeverity(v string) (Severity, bool) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "critical", "crit", "page", "pager", "fatal", "emergency", "alert", "error", "err", "high", "p1", "sev1", "disaster":
		return SeverityCritical, true
	case "warning", "warn", "medium", "major", "minor", "p2", "p3", "sev2", "sev3", "average":
		return SeverityWarning, true
	case "info", "informational", "information", "low", "none", "notice", "debug", "ok", "p4", "p5", "sev4", "sev5":
		return SeverityInfo, true
	}
	return "", false
}
