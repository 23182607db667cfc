package llm

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"net/url"
	"slices"
	"strings"

	"github.com/alertgate/alertgate/router/notify"
)

// keyVersion changes whenever the prompt or the sanitizer changes, so
// summaries written under the old rules are not reused.
const keyVersion = "llm-summary/v1"

// cacheKey derives the cache key of a summary from what the summary is
// about: the incident, its status, and per member the identity, status,
// name and texts, plus the runbook, the links the answer may keep, the
// language and the model. Timestamps, Seq, the target and the history are
// left out on purpose: re-sends, HA twins and the same incident's
// notifications to PagerDuty and Slack must hit the same entry.
func cacheKey(model, language string, n *notify.Notification, allowed []string) string {
	h := sha256.New()
	field := func(s string) {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	field(keyVersion)
	field(model)
	field(language)
	field(n.Incident)
	field(string(n.Status))
	if rb := n.Enrichment.Runbook; rb != nil {
		field(rb.ID)
	}
	field("")
	for _, u := range allowed {
		field(u)
	}
	field("")
	writeMembers(h, n.Members)
	var sum [sha256.Size]byte
	return "llm:summary:" + hex.EncodeToString(h.Sum(sum[:0]))
}

// writeMembers hashes members in fingerprint order, since the order of
// members may differ between two sends of the same incident.
func writeMembers(h hash.Hash, members []notify.Member) {
	idx := make([]int, len(members))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int {
		return cmp.Or(
			cmp.Compare(members[a].Fingerprint, members[b].Fingerprint),
			cmp.Compare(members[a].Status, members[b].Status),
		)
	})
	for _, i := range idx {
		m := &members[i]
		for _, s := range []string{string(m.Fingerprint), string(m.Status), m.Name, m.Summary(), m.Annotations["description"]} {
			h.Write([]byte(s))
			h.Write([]byte{0})
		}
		h.Write([]byte{1})
	}
}

// allowedURLs lists the links an answer may contain: those the reader
// would see in the notification anyway (each member's generator and
// source URL, annotations whose whole value is a link such as
// runbook_url) and the runbook's URL and the links in its steps, which
// operators wrote. URLs inside free text, such as a
// description, are not allowed: that text is exactly what an attacker
// controls. The result is sorted and deduplicated.
func allowedURLs(n *notify.Notification) []string {
	var out []string
	add := func(s string) {
		if s = strings.TrimSpace(s); isLink(s) {
			out = append(out, s)
		}
	}
	for i := range n.Members {
		m := &n.Members[i]
		add(m.GeneratorURL)
		add(m.SourceURL)
		for _, v := range m.Annotations {
			add(v)
		}
	}
	if rb := n.Enrichment.Runbook; rb != nil {
		add(rb.URL)
		for _, step := range rb.Steps {
			if !mayHaveURL(step) {
				continue // the regexp is the costly part of a cache hit
			}
			for _, m := range bareURL.FindAllString(step, -1) {
				u, _ := splitTrailingPunct(m)
				add(u)
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// mayHaveURL is a cheap test that s could contain what bareURL finds.
func mayHaveURL(s string) bool {
	l := strings.ToLower(s)
	return strings.Contains(l, "://") || strings.Contains(l, "www.") || strings.Contains(l, "mailto:")
}

// isLink reports whether s is one absolute http(s) URL and nothing else.
func isLink(s string) bool {
	if len(s) > 2048 || !strings.HasPrefix(s, "http") || strings.ContainsAny(s, " \t\r\n<>|") {
		return false
	}
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}
