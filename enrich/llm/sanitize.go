package llm

import (
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxSummaryRunes caps a summary's length in characters. Four sentences
// fit comfortably; anything longer is the model rambling or an injected
// payload.
const MaxSummaryRunes = 700

// linkRemoved replaces a link the answer may not contain, so the reader
// sees that the model produced one.
const linkRemoved = "[link removed]"

// The patterns below are compiled once and never modified.
var (
	// slackControl matches Slack's control sequences: <!channel>,
	// <!here>, <!everyone>, <!subteam^S1|@team>, <@U1>, <#C1|name>,
	// <!date^…>.
	slackControl = regexp.MustCompile(`<[!@#][^>]*>`)
	// plainMention matches the mentions Slack expands in plain text.
	// Runs of @ are consumed whole so "@@here" cannot leave "@here".
	plainMention = regexp.MustCompile(`(?i)@+(channel|here|everyone|group)`)
	// slackLink matches <url> and <url|text>.
	slackLink = regexp.MustCompile(`<([a-zA-Z][a-zA-Z0-9+.\-]*:[^|>\s]*)(?:\|([^>]*))?>`)
	// markdownLink matches [text](url).
	markdownLink = regexp.MustCompile(`\[([^\]]*)\]\(\s*([^)\s]*)\s*\)`)
	// bareURL matches a URL in running text: anything with a scheme, www.
	// or mailto:, up to the first character a URL cannot contain (so a
	// URL directly followed by Japanese text ends where the text begins).
	bareURL = regexp.MustCompile(`(?i)(?:\b[a-z][a-z0-9+.\-]*://|\bwww\.|\bmailto:)[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]*`)
)

// Sanitize turns a model's answer into text that is safe to put in a page:
// it strips control and invisible formatting characters, removes Slack
// mentions (<!channel>, <@U…>, plain @here and the like), removes links
// (Slack, Markdown, bare) unless the URL is one of allowedURLs, collapses
// whitespace, and caps the length at MaxSummaryRunes at a sentence
// boundary where possible. Link text is kept without its link.
func Sanitize(out string, allowedURLs []string) string {
	s := stripControls(out)
	// Removing one construct can assemble another ("@herehere" from
	// "@@herehere" or "<!<!here>here>"), so repeat until nothing changes;
	// if a pathological input still changes after the bound, drop every
	// character that could start a mention.
	for i := 0; ; i++ {
		t := rewriteLinks(removeMentions(s), allowedURLs)
		if t == s {
			break
		}
		s = t
		if i == 16 {
			s = rewriteLinks(strings.NewReplacer("@", "", "<", "").Replace(s), allowedURLs)
			break
		}
	}
	s = strings.Join(strings.Fields(s), " ")
	return capLength(s, MaxSummaryRunes)
}

// stripControls drops invalid UTF-8, control characters (line breaks and
// tabs become spaces) and format characters such as zero-width spaces
// and bidi overrides, which can hide a mention or disguise a link.
func stripControls(s string) string {
	s = strings.ToValidUTF8(s, "")
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\r' || r == '\t':
			return ' '
		case unicode.IsControl(r) || unicode.Is(unicode.Cf, r):
			return -1
		}
		return r
	}, s)
}

func removeMentions(s string) string {
	s = slackControl.ReplaceAllString(s, "")
	return plainMention.ReplaceAllString(s, "$1")
}

// rewriteLinks turns Slack and Markdown links into plain text and removes
// every URL that is not allowed.
func rewriteLinks(s string, allowed []string) string {
	s = slackLink.ReplaceAllStringFunc(s, func(m string) string {
		sub := slackLink.FindStringSubmatch(m)
		return linkText(sub[2], sub[1], allowed)
	})
	s = markdownLink.ReplaceAllStringFunc(s, func(m string) string {
		sub := markdownLink.FindStringSubmatch(m)
		return linkText(sub[1], sub[2], allowed)
	})
	return bareURL.ReplaceAllStringFunc(s, func(m string) string {
		u, tail := splitTrailingPunct(m)
		if slices.Contains(allowed, u) {
			return m
		}
		return linkRemoved + tail
	})
}

// linkText renders a link as plain text: its text, followed by the URL
// when the URL is allowed. A disallowed URL without text is marked as
// removed.
func linkText(text, u string, allowed []string) string {
	text = strings.TrimSpace(text)
	switch {
	case !slices.Contains(allowed, u) && text == "":
		return linkRemoved
	case !slices.Contains(allowed, u):
		return text
	case text == "" || text == u:
		return u
	}
	return text + " " + u
}

// splitTrailingPunct separates sentence punctuation that follows a URL in
// prose ("see https://x/y." or "(https://x/y)") from the URL itself.
func splitTrailingPunct(m string) (u, tail string) {
	end := len(m)
	for end > 0 && strings.IndexByte(".,;:!?)]}'\"", m[end-1]) >= 0 {
		end--
	}
	return m[:end], m[end:]
}

// capLength shortens s to at most n runes: at the last sentence end if
// that keeps at least a third of the budget, else at the last space, else
// anywhere on a rune boundary (dropping a URL the cut would split, since a
// truncated link is another link); a cut that is not at a sentence end is
// marked with an ellipsis.
func capLength(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	cut := runeOffset(s, n-1) // leave room for the ellipsis
	if end := lastSentenceEnd(s, cut); end > 0 && end >= cut/3 {
		return s[:end]
	}
	head := s[:cut]
	if sp := strings.LastIndexByte(head, ' '); sp > 0 && sp >= cut/3 {
		head = head[:sp]
	} else {
		head = dropCutURL(head)
	}
	return strings.TrimRight(head, " ,;:") + "…"
}

// dropCutURL removes the URL that runs into the end of head, if any.
func dropCutURL(head string) string {
	locs := bareURL.FindAllStringIndex(head, -1)
	if len(locs) > 0 && locs[len(locs)-1][1] == len(head) {
		return head[:locs[len(locs)-1][0]]
	}
	return head
}

// runeOffset returns the byte offset of the n-th rune of s.
func runeOffset(s string, n int) int {
	i := 0
	for off := range s {
		if i == n {
			return off
		}
		i++
	}
	return len(s)
}

// lastSentenceEnd returns the byte offset just past the last sentence
// terminator that ends before limit: ". ", "! " or "? " (followed by a
// space or the end of s, so a dot inside a URL or a number does not
// count) or a full-width 。！？. It returns -1 if there is none.
func lastSentenceEnd(s string, limit int) int {
	best := -1
	for i, r := range s[:limit] {
		switch r {
		case '。', '！', '？':
			best = i + utf8.RuneLen(r)
		case '.', '!', '?':
			if i+1 == len(s) || s[i+1] == ' ' {
				best = i + 1
			}
		}
	}
	return best
}
