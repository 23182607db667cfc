package newrelic

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/router/source"
)

const (
	// unnamed is the name of an alert that carries no condition, title or
	// policy name.
	unnamed = "unnamed"
	// annotationState keeps New Relic's own state, lowercased, so later
	// stages can treat "acknowledged" as an acknowledgement rather than
	// just another firing notification.
	annotationState = "newrelic_state"
	// annotationCorrelated marks an issue New Relic built by correlating
	// several incidents.
	annotationCorrelated = "newrelic_correlated"
)

// parseState maps a workflow state or a legacy current_state onto a
// status. Both vocabularies are accepted under either field name. It also
// returns the state lowercased, for the newrelic_state annotation.
func parseState(field, raw string) (alert.Status, string, error) {
	state := strings.ToLower(strings.TrimSpace(raw))
	switch state {
	case "created", "activated", "acknowledged", "open":
		return alert.StatusFiring, state, nil
	case "closed":
		return alert.StatusResolved, state, nil
	case "":
		return "", "", source.BadRequest(field, "missing; cannot tell whether the issue is open or closed")
	}
	return "", "", source.BadRequest(field, "unknown state %q, want CREATED, ACTIVATED, ACKNOWLEDGED or CLOSED (legacy: open, acknowledged or closed)", raw)
}

// name returns the first non-blank candidate, bounded like a label value
// because Normalize copies it into the alertname label.
func name(candidates ...string) string {
	return alert.Truncate(firstOf(append(candidates, unnamed)...), alert.MaxLabelValueLen)
}

// prioritySeverity maps a workflow issue priority. New Relic's HIGH is
// below CRITICAL, so it is a warning here, not the critical that
// alert.ParseSeverity makes of "high" from other senders.
func prioritySeverity(priority string) alert.Severity {
	switch strings.ToLower(strings.TrimSpace(priority)) {
	case "critical":
		return alert.SeverityCritical
	case "high":
		return alert.SeverityWarning
	case "medium", "low":
		return alert.SeverityInfo
	}
	return legacySeverity(priority)
}

// legacySeverity maps a legacy severity (CRITICAL, WARNING, INFO) or any
// other spelling alert.ParseSeverity knows, defaulting to warning.
func legacySeverity(s string) alert.Severity {
	if sev, ok := alert.ParseSeverity(s); ok {
		return sev
	}
	return alert.SeverityWarning
}

// fingerprint identifies one issue (kind "issue") or legacy incident
// (kind "incident"). New Relic keeps the id from the first notification
// to the last, so the fingerprint survives every state change. Without an
// id the conditions and entities are the best identity left; they are
// sorted because New Relic does not promise an order. ok is false when
// there is nothing to identify the problem by.
func fingerprint(kind, id string, conditions, entities []string) (fp alert.Fingerprint, ok bool) {
	if id = strings.TrimSpace(id); id != "" {
		return alert.NewFingerprint(alert.SourceNewRelic, kind, id), true
	}
	if len(conditions) == 0 && len(entities) == 0 {
		return "", false
	}
	return alert.NewFingerprint(alert.SourceNewRelic, "condition", joinSorted(conditions), "entity", joinSorted(entities)), true
}

func joinSorted(s []string) string {
	s = slices.Clone(s)
	slices.Sort(s)
	return strings.Join(s, "\x00")
}

// accumulations holds what alertgate reads from a rendered
// {{json accumulations}}: a few fallbacks for top-level fields and the
// entity tags, whether rendered flat ("tag.team": [...]) or nested
// ("tag": {"team": [...]}).
type accumulations struct {
	conditionNames []string
	policyNames    []string
	runbookURLs    []string
	descriptions   []string
	// tags maps each tag name to its first value.
	tags map[string]string
}

// parseAccumulations reads m in sorted key order, so that a tag given both
// nested and flat resolves the same way every time. Values of the wrong
// shape are skipped rather than rejected: accumulations only enrich the
// alert, and a tag that cannot be read must not lose the notification.
func parseAccumulations(m map[string]json.RawMessage) accumulations {
	acc := accumulations{tags: map[string]string{}}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		raw := m[k]
		switch {
		case k == "conditionName":
			acc.conditionNames = strs(raw)
		case k == "policyName":
			acc.policyNames = strs(raw)
		case k == "runbookUrl":
			acc.runbookURLs = strs(raw)
		case k == "conditionDescription":
			acc.descriptions = strs(raw)
		case k == "tag":
			var nested map[string]json.RawMessage
			_ = json.Unmarshal(raw, &nested)
			for _, name := range slices.Sorted(maps.Keys(nested)) {
				acc.addTag(name, nested[name])
			}
		case strings.HasPrefix(k, "tag."):
			acc.addTag(strings.TrimPrefix(k, "tag."), raw)
		}
	}
	return acc
}

func (acc *accumulations) addTag(name string, raw json.RawMessage) {
	if v := first(strs(raw)); v != "" && acc.tags[name] == "" {
		acc.tags[name] = v
	}
}

func strs(raw json.RawMessage) []string {
	var s source.FlexStrings
	if json.Unmarshal(raw, &s) != nil {
		return nil
	}
	return s
}

// addExtraLabels adds the user's own key/value pairs (entity tags, target
// labels) as labels with sanitized names. Labels already set win, and
// pairs that would exceed alert.MaxLabels are dropped rather than failing
// the alert.
func addExtraLabels(labels, extra map[string]string) {
	for _, k := range slices.Sorted(maps.Keys(extra)) {
		if len(labels) >= alert.MaxLabels {
			return
		}
		name := labelName(k)
		if _, taken := labels[name]; taken || name == "" {
			continue
		}
		put(labels, name, extra[k], alert.MaxLabelValueLen)
	}
}

// labelName turns a New Relic tag name ("aws.awsRegion", "team-name")
// into a Prometheus-style label name, [a-zA-Z_][a-zA-Z0-9_]*, so that
// routes can match it like any other label.
func labelName(s string) string {
	var b strings.Builder
	for i, r := range strings.TrimSpace(s) {
		switch {
		case r == '_', 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z':
			b.WriteRune(r)
		case '0' <= r && r <= '9':
			if i == 0 {
				b.WriteByte('_')
			}
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	name := b.String()
	if len(name) > alert.MaxLabelNameLen {
		name = name[:alert.MaxLabelNameLen]
	}
	return name
}

// str is the text of an optional field; "" when it was absent or
// unreadable.
func str(o source.Optional[source.FlexString]) string { return string(o.Value) }

// put sets m[k] to v truncated to n bytes, unless v is blank.
// NUL bytes, which no label may hold, are removed.
func put(m map[string]string, k, v string, n int) {
	if v = strings.TrimSpace(alert.WithoutNUL(v)); v != "" {
		m[k] = alert.Truncate(v, n)
	}
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

// firstOf returns the first of s that has text once blanks and NUL bytes
// (which Normalize removes from names) are taken away.
func firstOf(s ...string) string {
	for _, v := range s {
		if v = strings.TrimSpace(alert.WithoutNUL(v)); v != "" {
			return v
		}
	}
	return ""
}

func orElse(a, b []string) []string {
	if len(a) > 0 {
		return a
	}
	return b
}

func nonEmpty(s string) []string {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	return []string{s}
}

// firstTime returns the first plausible time, in UTC. A time before 1970
// or after 9999 (a mistyped epoch, say) is treated as missing: it cannot
// be serialized as RFC 3339, and a bad timestamp must not lose the alert.
func firstTime(ts ...time.Time) time.Time {
	for _, t := range ts {
		if t = t.UTC(); t.Year() >= 1970 && t.Year() <= 9999 {
			return t
		}
	}
	return time.Time{}
}
