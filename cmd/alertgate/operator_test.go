package main

import (
	"io"
	"slices"
	"testing"
)

func TestParseArgs_FlagsBeforeBetweenAndAfterArguments(t *testing.T) {
	tests := []struct {
		args    []string
		pos     []string
		by, url string
	}{
		{[]string{"ID"}, []string{"ID"}, "", "http://localhost:9095"},
		{[]string{"ID", "--by", "hanako"}, []string{"ID"}, "hanako", "http://localhost:9095"},
		{[]string{"--url=http://x:1", "a", "--by", "b", "c"}, []string{"a", "c"}, "b", "http://x:1"},
		{[]string{"--by", "b", "--", "--not-a-flag"}, []string{"--not-a-flag"}, "b", "http://localhost:9095"},
	}
	for _, tt := range tests {
		c := newOperatorCmd("test", io.Discard)
		by := c.fs.String("by", "", "")
		pos, code := c.parse(tt.args, io.Discard, func(string) (string, bool) { return "", false })
		if code >= 0 || !slices.Equal(pos, tt.pos) || *by != tt.by || c.api.url != tt.url {
			t.Errorf("%q: pos %q by %q url %q code %d, want %q %q %q", tt.args, pos, *by, c.api.url, code, tt.pos, tt.by, tt.url)
		}
	}
	c := newOperatorCmd("test", io.Discard)
	if _, code := c.parse([]string{"--format", "yaml"}, io.Discard, func(string) (string, bool) { return "", false }); code != exitUsage {
		t.Errorf("--format yaml: code %d, want the usage error", code)
	}
	if _, code := newOperatorCmd("test", io.Discard).parse([]string{"--nope"}, io.Discard, func(string) (string, bool) { return "", false }); code != exitUsage {
		t.Errorf("an unknown flag: code %d, want the usage error", code)
	}
}
