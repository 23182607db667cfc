package slack_test

import (
	"testing"

	"github.com/alertgate/alertgate/router/notify/slack"
)

func TestEscape_NeutralizesControlSequences(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain text", "plain text"},
		{"<!channel>", "&lt;!channel&gt;"},
		{"<!here> <@U123>", "&lt;!here&gt; &lt;@U123&gt;"},
		{"<!subteam^S1|team>", "&lt;!subteam^S1|team&gt;"},
		{"<https://evil|click>", "&lt;https://evil|click&gt;"},
		{"a & b", "a &amp; b"},
		{"&lt; already escaped", "&amp;lt; already escaped"},
		{"> quote", "&gt; quote"},
		{"障害 <@U1>", "障害 &lt;@U1&gt;"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := slack.Escape(tt.in); got != tt.want {
			t.Errorf("Escape(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
