package alert

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
	"unicode/utf8"
)

// Fingerprint identifies one problem at one source. The same incident
// yields the same fingerprint across re-sends, HA replicas and status
// changes, which is what makes it usable as a PagerDuty dedup_key.
type Fingerprint string

// NewFingerprint derives a fingerprint from the source and the parts that
// identify the problem there (Alertmanager's own fingerprint, a CloudWatch
// AlarmArn, a New Relic issue id). Parts are separated by a byte that cannot
// occur in UTF-8 text, so ("a","bc") and ("ab","c") differ.
func NewFingerprint(src Source, identity ...string) Fingerprint {
	h := sha256.New()
	h.Write([]byte(src))
	for _, p := range identity {
		h.Write([]byte{0xff})
		h.Write([]byte(p))
	}
	var sum [sha256.Size]byte
	return Fingerprint(hex.EncodeToString(h.Sum(sum[:0])[:8]))
}

// LabelsIdentity returns a canonical string of the given labels (sorted
// name=value pairs), for sources whose identity is a label set.
func LabelsIdentity(labels map[string]string) string {
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(k)
		b.WriteByte(0xfe)
		b.WriteString(labels[k])
		b.WriteByte(0xff)
	}
	return b.String()
}

// Truncate shortens s to at most n bytes without splitting a UTF-8
// character, marking the cut with an ellipsis.
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	const ellipsis = "…"
	if n <= len(ellipsis) {
		return s[:0]
	}
	cut := n - len(ellipsis)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + ellipsis
}
