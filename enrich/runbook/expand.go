package runbook

import "strings"

// Expand returns a copy of r in which ${label} placeholders in the
// summary, impact, steps, links and URL are replaced with the alert's label
// values, so the on-call engineer gets `kubectl -n payments logs api-7c9f…`
// rather than a command to fill in. A placeholder whose label is missing
// stays as written and still reads as "fill this in".
//
// Label values come from whoever sent the alert, so commands and URLs only
// take values made of characters that are harmless in a shell and in a
// URL; anything else (a space, a quote, a semicolon) leaves the
// placeholder. Prose takes any value.
func (r *Runbook) Expand(lbls map[string]string) *Runbook {
	out := *r
	out.Summary = expand(r.Summary, lbls, anyValue)
	out.Impact = expand(r.Impact, lbls, anyValue)
	out.URL = expand(r.URL, lbls, safeValue)
	out.Steps = make([]Step, len(r.Steps))
	for i, s := range r.Steps {
		out.Steps[i] = Step{Text: expand(s.Text, lbls, anyValue), Command: expand(s.Command, lbls, safeValue)}
	}
	out.Links = make([]Link, len(r.Links))
	for i, l := range r.Links {
		out.Links[i] = Link{Title: expand(l.Title, lbls, anyValue), URL: expand(l.URL, lbls, safeValue)}
	}
	return &out
}

// expand replaces each ${name} whose label exists and whose value ok
// accepts.
func expand(s string, lbls map[string]string, ok func(string) bool) string {
	if !strings.Contains(s, "${") {
		return s
	}
	var b strings.Builder
	for {
		start := strings.Index(s, "${")
		if start < 0 {
			break
		}
		end := strings.IndexByte(s[start:], '}')
		if end < 0 {
			break
		}
		name := s[start+2 : start+end]
		b.WriteString(s[:start])
		if v, found := lbls[name]; found && v != "" && ok(v) {
			b.WriteString(v)
		} else {
			b.WriteString(s[start : start+end+1])
		}
		s = s[start+end+1:]
	}
	b.WriteString(s)
	return b.String()
}

func anyValue(string) bool { return true }

// safeValue accepts values that need no quoting in a POSIX shell word and
// no escaping in a URL path or query: the characters of pod names, ARNs,
// load balancer ids, regions and queue names.
func safeValue(v string) bool {
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("._-:/@,=", c) >= 0:
		default:
			return false
		}
	}
	return true
}
