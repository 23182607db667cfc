package alert

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Source names the system an alert came from.
type Source string

// The sources alertgate understands.
const (
	SourceAlertmanager Source = "alertmanager"
	SourceCloudWatch   Source = "cloudwatch"
	SourceNewRelic     Source = "newrelic"
	// SourceEventBridge names the EventBridge endpoint. Its alerts are
	// CloudWatch alarms and carry SourceCloudWatch, so that an alarm that
	// arrives both ways is one alert; the name appears in the endpoint,
	// metrics and recorded traces.
	SourceEventBridge Source = "eventbridge"
	// SourceAlertgate is alertgate itself: the alerts it raises, such as
	// a missing heartbeat.
	SourceAlertgate Source = "alertgate"
)

// Valid reports whether s is one of the known sources.
func (s Source) Valid() bool {
	switch s {
	case SourceAlertmanager, SourceCloudWatch, SourceNewRelic, SourceEventBridge, SourceAlertgate:
		return true
	}
	return false
}

// Title is how people name the source: "Alertmanager", "CloudWatch",
// "New Relic", or the source's own name for another.
func (s Source) Title() string {
	switch s {
	case SourceAlertmanager:
		return "Alertmanager"
	case SourceCloudWatch:
		return "CloudWatch"
	case SourceNewRelic:
		return "New Relic"
	case "":
		return "source"
	}
	return string(s)
}

// Status is the state of an alert as its source reports it.
type Status string

// An alert is either firing or resolved. CloudWatch's INSUFFICIENT_DATA and
// similar "unknown" states are not represented: sources drop them.
const (
	StatusFiring   Status = "firing"
	StatusResolved Status = "resolved"
)

// Valid reports whether s is firing or resolved.
func (s Status) Valid() bool { return s == StatusFiring || s == StatusResolved }

// Well-known label names that every normalized alert carries, so routes and
// runbooks can match alerts from any source the same way.
const (
	LabelAlertName = "alertname"
	LabelSeverity  = "severity"
	LabelSource    = "source"
	LabelService   = "service"
)

// Limits that keep a single alert bounded in memory, in the store and in
// notifications. Sources truncate to them; Validate enforces them.
const (
	MaxLabels        = 64
	MaxLabelNameLen  = 128
	MaxLabelValueLen = 1024
	MaxAnnotations   = 64
	MaxAnnotationLen = 8 << 10
	MaxRawLen        = 4 << 10
)

// Alert is the canonical, source-independent alert.
type Alert struct {
	// Source is the system that sent the alert.
	Source Source `json:"source"`
	// Name is the alert's name (Alertmanager alertname, CloudWatch
	// AlarmName, New Relic condition or issue title).
	Name string `json:"name"`
	// Status is firing or resolved.
	Status Status `json:"status"`
	// Severity is the normalized severity.
	Severity Severity `json:"severity"`
	// Labels identify the alert and drive routing. They always contain
	// alertname, severity and source.
	Labels map[string]string `json:"labels"`
	// Annotations carry human-readable text (summary, description,
	// runbook_url). They never affect identity or routing.
	Annotations map[string]string `json:"annotations,omitempty"`
	// StartsAt is when the problem started, as the source reports it.
	StartsAt time.Time `json:"startsAt"`
	// EndsAt is when the problem ended; zero while firing.
	EndsAt time.Time `json:"endsAt,omitzero"`
	// GeneratorURL links to the thing that produced the alert (a
	// Prometheus graph, the CloudWatch alarm, the New Relic issue).
	GeneratorURL string `json:"generatorURL,omitempty"`
	// SourceURL links to the sending system itself (Alertmanager's
	// external URL, the CloudWatch console, the New Relic issue page).
	SourceURL string `json:"sourceURL,omitempty"`
	// GroupKey is the sender's own grouping key where it has one
	// (Alertmanager's groupKey).
	GroupKey string `json:"groupKey,omitempty"`
	// Fingerprint identifies the problem across re-sends, HA replicas and
	// status changes.
	Fingerprint Fingerprint `json:"fingerprint"`
	// SourceID is the sender's own identifier of the problem, which
	// Fingerprint hashes: Alertmanager's fingerprint, the CloudWatch
	// AlarmArn, the New Relic issue id. It lets an audit find the alert
	// in its source.
	SourceID string `json:"sourceId,omitempty"`
	// Raw is the original payload fragment for this alert, at most
	// MaxRawLen bytes; see SetRaw.
	Raw json.RawMessage `json:"raw,omitempty"`
}

// SetRaw keeps the original payload for debugging. Payloads longer than
// MaxRawLen are kept as a truncated JSON string rather than dropped, so the
// field is always valid JSON and always bounded.
func (a *Alert) SetRaw(b []byte) {
	if len(b) <= MaxRawLen && json.Valid(b) {
		a.Raw = append(json.RawMessage(nil), b...)
		return
	}
	s, _ := json.Marshal(Truncate(string(b), MaxRawLen-64))
	a.Raw = s
}

// Clone returns a deep copy of a, so that a stage may modify labels without
// affecting other holders of the alert.
func (a Alert) Clone() Alert {
	a.Labels = maps.Clone(a.Labels)
	a.Annotations = maps.Clone(a.Annotations)
	a.Raw = append(json.RawMessage(nil), a.Raw...)
	return a
}

// Firing reports whether the alert is firing.
func (a *Alert) Firing() bool { return a.Status == StatusFiring }

// Summary returns the best one-line description of the alert: the summary
// annotation if present, otherwise its name.
func (a *Alert) Summary() string {
	for _, k := range []string{"summary", "title", "message"} {
		if s := a.Annotations[k]; s != "" {
			return s
		}
	}
	return a.Name
}

// ErrInvalid is wrapped by every error Validate returns.
var ErrInvalid = errors.New("invalid alert")

// FieldError reports which field of an alert is invalid.
type FieldError struct {
	Field  string
	Reason string
}

func (e *FieldError) Error() string { return fmt.Sprintf("%s: %s", e.Field, e.Reason) }

// Unwrap makes errors.Is(err, ErrInvalid) true.
func (e *FieldError) Unwrap() error { return ErrInvalid }

// Validate checks that a is complete and within limits. Sources call it
// after normalization; a failure is the sender's fault and is reported back
// to it.
func (a *Alert) Validate() error {
	switch {
	case !a.Source.Valid():
		return &FieldError{"source", fmt.Sprintf("unknown source %q", a.Source)}
	case a.Name == "":
		return &FieldError{"name", "must not be empty"}
	case !a.Status.Valid():
		return &FieldError{"status", fmt.Sprintf("must be firing or resolved, got %q", a.Status)}
	case !a.Severity.Valid():
		return &FieldError{"severity", fmt.Sprintf("must be critical, warning or info, got %q", a.Severity)}
	case a.Fingerprint == "":
		return &FieldError{"fingerprint", "must not be empty"}
	case a.StartsAt.IsZero():
		return &FieldError{"startsAt", "must be set"}
	case len(a.Labels) > MaxLabels:
		return &FieldError{"labels", fmt.Sprintf("%d labels, at most %d allowed", len(a.Labels), MaxLabels)}
	case len(a.Annotations) > MaxAnnotations:
		return &FieldError{"annotations", fmt.Sprintf("%d annotations, at most %d allowed", len(a.Annotations), MaxAnnotations)}
	}
	if err := firstInvalid(a.Labels, checkLabel); err != nil {
		return err
	}
	if strings.ContainsRune(a.Name, 0) {
		return &FieldError{"name", "contains a NUL byte"}
	}
	if err := firstInvalid(a.Annotations, checkAnnotation); err != nil {
		return err
	}
	for _, k := range []string{LabelAlertName, LabelSeverity, LabelSource} {
		if a.Labels[k] == "" {
			return &FieldError{"labels." + k, "must be set"}
		}
	}
	return nil
}

// firstInvalid checks every pair of m with check and returns the error
// of the first invalid one in the order of names: the same answer for
// the same alert, whatever the map's order. Valid maps are checked in a
// single pass, unsorted.
func firstInvalid(m map[string]string, check func(name, value string) error) error {
	invalid := false
	for k, v := range m {
		if check(k, v) != nil {
			invalid = true
			break
		}
	}
	if !invalid {
		return nil
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if err := check(k, m[k]); err != nil {
			return err
		}
	}
	return nil
}

// checkAnnotation reports what is wrong with an annotation, if anything.
func checkAnnotation(name, value string) error {
	if len(value) > MaxAnnotationLen {
		return &FieldError{"annotations." + name, fmt.Sprintf("value longer than %d bytes", MaxAnnotationLen)}
	}
	return nil
}

// checkLabel reports what is wrong with a label, if anything. Names
// follow Prometheus: any UTF-8 text since Prometheus 3 and Alertmanager
// 0.28 (so OpenTelemetry's "service.name" is a label like any other), but
// not empty, not longer than MaxLabelNameLen, and without control
// characters, which no matcher can spell and which would garble every log
// line and message that shows the label. Values may hold any UTF-8 text
// except a NUL byte, within MaxLabelValueLen: labels are the alert's
// identity, so one over the limit is refused rather than cut.
func checkLabel(name, value string) error {
	switch {
	case name == "" || len(name) > MaxLabelNameLen:
		return &FieldError{"labels", fmt.Sprintf("label name %q is empty or longer than %d bytes", Truncate(name, 64), MaxLabelNameLen)}
	case !printableASCII(name) && (!utf8.ValidString(name) || strings.ContainsFunc(name, unicode.IsControl)):
		return &FieldError{"labels", fmt.Sprintf("label name %q is not a valid Prometheus label name: invalid UTF-8 or a control character", Truncate(name, 64))}
	case len(value) > MaxLabelValueLen:
		return &FieldError{"labels." + name, fmt.Sprintf("value is %d bytes, at most %d allowed", len(value), MaxLabelValueLen)}
	case !utf8.ValidString(value) || strings.ContainsRune(value, 0):
		return &FieldError{"labels." + name, "value contains a NUL byte or invalid UTF-8"}
	}
	return nil
}

// printableASCII reports whether s holds only printable ASCII, as
// nearly every label name does: valid UTF-8 without control characters,
// told without decoding a rune at a time.
func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return false
		}
	}
	return true
}

// Normalize fills the well-known labels from the alert's fields without
// overwriting labels the sender set itself, so that Alertmanager users keep
// their own severity values (such as "page") for their matchers.
//
// It also removes NUL bytes from the name and the annotations: text a
// person reads, where a NUL only hides what follows it in some viewers.
// Labels are left alone; Validate refuses a NUL there.
func (a *Alert) Normalize() {
	if a.Labels == nil {
		a.Labels = make(map[string]string, 3)
	}
	a.Name = Truncate(WithoutNUL(a.Name), MaxLabelValueLen)
	for k, v := range a.Annotations {
		if strings.IndexByte(v, 0) >= 0 {
			a.Annotations[k] = WithoutNUL(v)
		}
	}
	setDefault(a.Labels, LabelAlertName, a.Name)
	setDefault(a.Labels, LabelSeverity, string(a.Severity))
	setDefault(a.Labels, LabelSource, string(a.Source))
}

func setDefault(m map[string]string, k, v string) {
	if _, ok := m[k]; !ok && v != "" {
		m[k] = v
	}
}

// WithoutNUL returns s without NUL bytes, for sources that build labels
// from free text of the sender's.
func WithoutNUL(s string) string {
	if strings.IndexByte(s, 0) < 0 {
		return s
	}
	return strings.ReplaceAll(s, "\x00", "")
}
