package llm

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSanitize(t *testing.T) {
	allowed := []string{testGenerator, testRunbook, "https://grafana.example/d/api"}
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"plain text is kept", "The api is down. Restart it.", "The api is down. Restart it."},
		{"whitespace is trimmed and collapsed", "  The api\n\nis down.\t ", "The api is down."},
		{"channel mention", "Alert <!channel> now.", "Alert now."},
		{"here and everyone", "<!here> and <!everyone> wake up.", "and wake up."},
		{"user mention", "Ping <@U123ABC> and <@W999|bob>.", "Ping and ."},
		{"user group mention", "Ask <!subteam^S0123|@sre>.", "Ask ."},
		{"channel link", "See <#C0123|incidents>.", "See ."},
		{"plain at-mentions lose the at sign", "Tell @channel, @here and @Everyone.", "Tell channel, here and Everyone."},
		{"nested mentions cannot reassemble", "@@herehere and <!<!channel>channel>", "herehere and channel>"},
		{"zero-width space cannot hide a mention", "@\u200bchannel wake up", "channel wake up"},
		{"control characters are removed", "a\x00b\x1b[31mc\u202Ed", "ab[31mcd"},
		{"invalid UTF-8 is dropped", "ok\xff\xfe done", "ok done"},
		{"disallowed bare URL", "Visit https://evil.example now.", "Visit " + linkRemoved + " now."},
		{"disallowed URL with path and trailing dot", "See http://evil.example/a?b=c.", "See " + linkRemoved + "."},
		{"www link", "Go to www.evil.example/x today", "Go to " + linkRemoved + " today"},
		{"mailto", "Mail mailto:attacker@evil.example please", "Mail " + linkRemoved + " please"},
		{"other schemes", "Run javascript://evil.example/x or ftp://evil.example/x", "Run " + linkRemoved + " or " + linkRemoved},
		{"allowed bare URL with trailing dot", "Graph: " + testGenerator + ".", "Graph: " + testGenerator + "."},
		{"allowed URL in parentheses", "The runbook (" + testRunbook + ") helps.", "The runbook (" + testRunbook + ") helps."},
		{"prefix of an allowed URL is not allowed", "See " + testRunbook + "/../../evil", "See " + linkRemoved},
		{"disallowed markdown link keeps its text", "Open [the dashboard](https://evil.example/x).", "Open the dashboard."},
		{"allowed markdown link becomes text and URL", "Open [Grafana](https://grafana.example/d/api).", "Open Grafana https://grafana.example/d/api."},
		{"disallowed markdown link without text", "Open [](https://evil.example).", "Open " + linkRemoved + "."},
		{"markdown link text cannot hide a URL", "[https://evil.example](https://evil.example)", linkRemoved},
		{"disallowed slack link keeps its text", "Click <https://evil.example|here> now", "Click here now"},
		{"allowed slack link", "See <https://grafana.example/d/api|Grafana>.", "See Grafana https://grafana.example/d/api."},
		{"bare slack link", "See <https://evil.example>.", "See " + linkRemoved + "."},
		{"link removal cannot assemble a mention", "@[](https://evil.example)here", "@" + linkRemoved + "here"},
		{"URL directly followed by Japanese", "詳細は https://evil.example/aを確認してください。", "詳細は " + linkRemoved + "を確認してください。"},
		{"comparison operators survive", "latency > 2s and errors < 5%", "latency > 2s and errors < 5%"},
		{"bare domains are not links here", "api.prod.internal is slow.", "api.prod.internal is slow."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Sanitize(tt.in, allowed); got != tt.want {
				t.Errorf("Sanitize(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestSanitize_CapsLength(t *testing.T) {
	sentence := "The api service returns errors for a growing share of requests. "
	tests := []struct {
		name         string
		in           string
		wantSuffix   string
		wantEllipsis bool
	}{
		{"cut at a sentence end", strings.Repeat(sentence, 30), "requests.", false},
		{"cut at a Japanese sentence end", strings.Repeat("api でエラー率が上がっています。", 60), "います。", false},
		{"no sentence end: cut at a space", strings.Repeat("word ", 400), "word…", true},
		{"no space either: cut on a rune boundary", strings.Repeat("障害", 800), "…", true},
		{"a long allowed URL is not cut in two", strings.Repeat("障害", 200) + "https://ok.example/a?" + strings.Repeat("q", 1000), "障害…", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Sanitize(tt.in, []string{"https://ok.example/a?" + strings.Repeat("q", 1000)})
			if n := utf8.RuneCountInString(got); n > MaxSummaryRunes || n < MaxSummaryRunes/3 {
				t.Errorf("length %d runes, want between %d and %d", n, MaxSummaryRunes/3, MaxSummaryRunes)
			}
			if !utf8.ValidString(got) || !strings.HasSuffix(got, tt.wantSuffix) || strings.HasSuffix(got, "…") != tt.wantEllipsis {
				t.Errorf("got ...%q, want suffix %q", got[max(0, len(got)-40):], tt.wantSuffix)
			}
		})
	}
	if short := "Short. Fine."; Sanitize(short, nil) != short {
		t.Error("a short answer was changed")
	}
}

func FuzzSanitize(f *testing.F) {
	for _, s := range []string{"<!channel>", "@@herehere", "[a](https://x.example)", "<https://x|y>", "https://ok.example/a."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got := Sanitize(in, []string{"https://ok.example/a"})
		if !utf8.ValidString(got) || utf8.RuneCountInString(got) > MaxSummaryRunes {
			t.Fatalf("invalid or too long: %q", got)
		}
		if slackControl.MatchString(got) || plainMention.MatchString(got) {
			t.Fatalf("mention survived: %q -> %q", in, got)
		}
		for _, m := range bareURL.FindAllString(got, -1) {
			if u, _ := splitTrailingPunct(m); u != "https://ok.example/a" && u != "" {
				t.Fatalf("link %q survived: %q -> %q", u, in, got)
			}
		}
		if again := Sanitize(got, []string{"https://ok.example/a"}); again != got {
			t.Fatalf("not idempotent: %q -> %q", got, again)
		}
	})
}
