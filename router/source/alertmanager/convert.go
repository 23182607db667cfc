package alertmanager

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/alertmanager/template"
	"github.com/prometheus/common/model"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/router/source"
)

// unnamed is the name of an alert that has no alertname label anywhere in
// its notification.
const unnamed = "unnamed"

// group holds what the alerts of one notification share.
type group struct {
	now         time.Time
	status      string
	commonName  string
	groupKey    string
	externalURL string
}

// finish normalizes and validates alert i of the group, decoded from
// raw. It also returns the annotations it left out to stay within
// alert.MaxAnnotations, if any.
func (g group) finish(i int, raw []byte, ta template.Alert) (alert.Alert, []source.Ignored, error) {
	if len(ta.Labels) == 0 {
		return alert.Alert{}, nil, source.BadRequest(alertPath(i)+".labels", "an alert needs at least one label to be identified")
	}
	a := g.convert(ta)
	var ignored []source.Ignored
	if n := len(a.Annotations); n > alert.MaxAnnotations {
		ignored = []source.Ignored{{Field: alertPath(i) + ".annotations",
			Reason: fmt.Sprintf("ignored: %d annotations, only the first %d by name kept", n, alert.MaxAnnotations)}}
		a.Annotations = firstByName(a.Annotations, alert.MaxAnnotations)
	}
	setRaw(&a, raw)
	a.Normalize()
	if err := a.Validate(); err != nil {
		return alert.Alert{}, nil, source.Invalid(alertPath(i), err)
	}
	return a, ignored, nil
}

// firstByName returns the n entries of m whose keys sort first.
func firstByName(m map[string]string, n int) map[string]string {
	out := make(map[string]string, n)
	for _, k := range slices.Sorted(maps.Keys(m))[:n] {
		out[k] = m[k]
	}
	return out
}

// alertPath is alert i's place in the payload, for errors.
func alertPath(i int) string { return "alerts[" + strconv.Itoa(i) + "]" }

// setRaw is a.SetRaw(raw) for a fragment that has just been decoded, and
// so is known to be valid JSON: it skips the validation that would scan
// it once more, and the copy. raw is a piece of the request's body,
// which no one else writes, capped so that an append cannot spill into
// the rest of it; whatever keeps an alert past its request drops Raw
// (the store's observations, the journal), so the body is not held.
func setRaw(a *alert.Alert, raw []byte) {
	if len(raw) <= alert.MaxRawLen {
		a.Raw = json.RawMessage(raw[:len(raw):len(raw)])
		return
	}
	a.SetRaw(raw)
}

// convert maps a decoded alert onto the canonical model, deriving what the
// sender left out.
func (g group) convert(ta template.Alert) alert.Alert {
	status := g.alertStatus(ta)
	a := alert.Alert{
		Source:       alert.SourceAlertmanager,
		Name:         g.name(ta.Labels),
		Status:       status,
		Severity:     severity(ta.Labels),
		StartsAt:     ta.StartsAt,
		GeneratorURL: ta.GeneratorURL,
		SourceURL:    g.externalURL,
		GroupKey:     g.groupKey,
		SourceID:     sourceID(ta),
	}
	a.Fingerprint = alert.NewFingerprint(alert.SourceAlertmanager, a.SourceID)
	// ta was decoded for this alert alone, so its maps become the alert's
	// instead of being copied. Labels are the alert's identity and are
	// never cut (Validate refuses one over the limit); annotations only
	// describe it and are.
	a.Labels = ta.Labels
	if len(a.Labels) == 0 {
		a.Labels = nil
	}
	a.Annotations = truncated(ta.Annotations, alert.MaxAnnotationLen)
	if a.StartsAt.IsZero() {
		a.StartsAt = g.now
	}
	if status == alert.StatusResolved {
		a.EndsAt = resolvedAt(ta.EndsAt, g.now)
	}
	return a
}

// alertStatus is the alert's own status or, from an Alertmanager that did
// not send one, what its endsAt and the group status imply.
func (g group) alertStatus(ta template.Alert) alert.Status {
	if s, ok := parseStatus(ta.Status); ok {
		return s
	}
	if !ta.EndsAt.IsZero() && !ta.EndsAt.After(g.now) {
		return alert.StatusResolved
	}
	if s, ok := parseStatus(g.status); ok {
		return s
	}
	return alert.StatusFiring
}

func parseStatus(s string) (alert.Status, bool) {
	st := alert.Status(strings.ToLower(strings.TrimSpace(s)))
	return st, st.Valid()
}

// resolvedAt is a resolved alert's end. Alertmanager sends the zero time
// ("0001-01-01T00:00:00Z") for firing alerts and always sets it for
// resolved ones, so zero here means a sender that left it out. Times keep
// the sender's offset: converted to UTC, a valid RFC 3339 time late in
// year 9999 would no longer fit in RFC 3339 and break serialization.
func resolvedAt(endsAt, now time.Time) time.Time {
	if endsAt.IsZero() {
		return now
	}
	return endsAt
}

// name is the alert's alertname, bounded like a label value because
// Normalize copies it into the alertname label when the alert has none.
func (g group) name(labels template.KV) string {
	n := labels[string(model.AlertNameLabel)]
	if n == "" {
		n = g.commonName
	}
	if n == "" {
		return unnamed
	}
	return alert.Truncate(n, alert.MaxLabelValueLen)
}

// severity maps the severity label onto alertgate's scale. The label itself
// is left as the sender wrote it, since routes match on it.
func severity(labels template.KV) alert.Severity {
	if s, ok := alert.ParseSeverity(labels[alert.LabelSeverity]); ok {
		return s
	}
	return alert.SeverityWarning
}

// sourceID is Alertmanager's own fingerprint of the alert, computed from
// the labels the same way Alertmanager does when an older version did not
// send it, so both spellings of one alert deduplicate.
func sourceID(ta template.Alert) string {
	fp := strings.TrimSpace(ta.Fingerprint)
	if fp == "" {
		fp = labelFingerprint(ta.Labels)
	}
	return fp
}

// labelFingerprint is model.LabelSet.Fingerprint of labels, as
// Alertmanager's template.Data reports it.
func labelFingerprint(labels template.KV) string {
	ls := make(model.LabelSet, len(labels))
	for k, v := range labels {
		ls[model.LabelName(k)] = model.LabelValue(v)
	}
	return ls.Fingerprint().String()
}

// truncated shortens m's values to at most n bytes, in place, and
// returns it as a plain map; an empty map becomes nil.
func truncated(m template.KV, n int) map[string]string {
	if len(m) == 0 {
		return nil
	}
	for k, v := range m {
		if len(v) > n {
			m[k] = alert.Truncate(v, n)
		}
	}
	return m
}
