package slack

import (
	"net/url"
	"strings"

	"github.com/alertgate/alertgate/alert"
)

// Escape makes s safe to place in any Slack text: it replaces &, < and >
// with &amp;, &lt; and &gt;, which are the only characters Slack decodes.
// Slack's special parsing (mentions like <!channel>, <!here>, <@U…> and
// <!subteam^…>, channel links <#C…>, and links <url|text>) is always
// introduced by <, so escaped text can neither notify anyone nor
// disguise a link. It also turns a leading > into a literal character
// instead of a quote.
func Escape(s string) string {
	if !strings.ContainsAny(s, "&<>") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// clip escapes s and shortens the result to at most n bytes, marking a
// cut with an ellipsis.
//
// Slack's limits count characters; a byte never counts less than one
// character however Slack counts (code points or UTF-16 units), so a byte
// budget always fits. Escaping comes first because the escaped text is
// what Slack measures.
func clip(s string, n int) string {
	return truncateEscaped(Escape(s), n)
}

// truncateEscaped shortens e, which is already escaped, to at most n
// bytes without cutting an entity such as &amp; in half.
func truncateEscaped(e string, n int) string {
	if len(e) <= n {
		return e
	}
	const ellipsis = "…"
	cut := strings.TrimSuffix(alert.Truncate(e, n), ellipsis)
	if i := strings.LastIndexByte(cut, '&'); i >= 0 && !strings.Contains(cut[i:], ";") {
		cut = cut[:i]
	}
	if cut == "" {
		return ""
	}
	return cut + ellipsis
}

// maxURLLen bounds a link's URL so that a few links cannot use up a
// block's text budget.
const maxURLLen = 800

// safeURL returns raw as it may appear inside <…|…>, or false if raw is
// not an absolute http(s) URL or is too long. Characters that would end
// the link early (|, <, >) or split it (spaces) are percent-encoded, and
// & is escaped as Slack asks for in any text.
func safeURL(raw string) (string, bool) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", false
	}
	u.User = nil // credentials in a link are either a leak or a disguise
	s := u.String()
	s = strings.NewReplacer("|", "%7C", "<", "%3C", ">", "%3E", " ", "%20", "&", "&amp;").Replace(s)
	if len(s) > maxURLLen {
		return "", false
	}
	return s, true
}

// link returns a mrkdwn link to rawURL showing text (escaped and clipped
// to n bytes), or just the escaped text when rawURL is not a safe http(s)
// URL.
func link(rawURL, text string, n int) string {
	t := clip(text, n)
	u, ok := safeURL(rawURL)
	if !ok {
		return t
	}
	if t == "" {
		t = "link"
	}
	return "<" + u + "|" + t + ">"
}
