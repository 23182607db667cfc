package slack

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestClip_StaysWithinBytesWithoutBreakingEntities(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"a<b", 10, "a&lt;b"},
		{"abcdefghij", 8, "abcde…"},
		{"ab<<<<", 8, "ab…"},     // "ab&lt;&l" would cut an entity
		{"ab<<<<", 9, "ab&lt;…"}, // one whole entity fits
		{"障害障害", 8, "障…"},
		{"<<<<", 3, ""},
	}
	for _, tt := range tests {
		got := clip(tt.in, tt.n)
		if got != tt.want || len(got) > tt.n || !utf8.ValidString(got) {
			t.Errorf("clip(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
	}
}

func TestSafeURL_AcceptsOnlyHTTPAndEscapesDelimiters(t *testing.T) {
	tests := []struct {
		in     string
		want   string
		wantOK bool
	}{
		{"https://example.com/a?b=1&c=2", "https://example.com/a?b=1&amp;c=2", true},
		{"http://example.com/x|y", "http://example.com/x%7Cy", true},
		{"https://example.com/?q=<!here>|x", "https://example.com/?q=%3C!here%3E%7Cx", true},
		{"https://user:pw@example.com/", "https://example.com/", true},
		{"javascript:alert(1)", "", false},
		{"ftp://example.com/", "", false},
		{"/relative/path", "", false},
		{"https://", "", false},
		{"https://example.com/" + strings.Repeat("a", maxURLLen), "", false},
		{"not a url at all", "", false},
	}
	for _, tt := range tests {
		got, ok := safeURL(tt.in)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("safeURL(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.wantOK)
		}
	}
}

func TestLink_EscapesTextAndFallsBackToText(t *testing.T) {
	if got := link("https://example.com", "<!here> & co", 100); got != "<https://example.com|&lt;!here&gt; &amp; co>" {
		t.Errorf("link = %q", got)
	}
	if got := link("javascript:x", "<!here>", 100); got != "&lt;!here&gt;" {
		t.Errorf("link to a non-http URL = %q, want the escaped text alone", got)
	}
}

func TestFormatDuration(t *testing.T) {
	tests := map[time.Duration]string{
		30 * time.Second:             "<1m",
		35 * time.Minute:             "35m",
		2 * time.Hour:                "2h",
		2*time.Hour + 15*time.Minute: "2h15m",
		3*24*time.Hour + 4*time.Hour: "3d4h",
		48 * time.Hour:               "2d",
	}
	for d, want := range tests {
		if got := formatDuration(d); got != want {
			t.Errorf("formatDuration(%s) = %q, want %q", d, got, want)
		}
	}
}
