package cloudwatch

import (
	"net"
	"net/url"
	"strings"
	"testing"
)

// FuzzCertURL checks the rule that decides where alertgate may fetch a
// signing certificate from: whatever the input, an accepted URL is https,
// on an SNS host of AWS, and resolves to that host for Go's HTTP client
// (no user info, no port, nothing the client would read differently).
func FuzzCertURL(f *testing.F) {
	for _, s := range []string{
		"https://sns.us-east-1.amazonaws.com/SimpleNotificationService-abc.pem",
		"https://sns.cn-north-1.amazonaws.com.cn/x.pem",
		"https://sns.us-east-1.amazonaws.com.evil.com/x.pem",
		"http://sns.us-east-1.amazonaws.com/x.pem",
		"https://evil.com@sns.us-east-1.amazonaws.com/x.pem",
		"https://sns.us-east-1.amazonaws.com@evil.com/x.pem",
		"https://sns.us-east-1.amazonaws.com:8443/x.pem",
		"https://sns.us-east-1.amazonaws.com%2F@evil.com/x.pem",
		"https://SNS.us-east-1.amazonaws.com/x.pem",
		"https://sns.us-east-1.amazonaws.com/x.pem?x=1",
		"https://sns.us-east-1.amazonaws.com\\@evil.com/x.pem",
		"https://sns.s3.amazonaws.com/x.pem",
		"https://sns.us-gov-west-1.amazonaws.com/x.pem",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		u, err := checkCertURL(raw)
		if err != nil {
			return
		}
		again, perr := url.Parse(raw)
		if perr != nil || again.Scheme != "https" || again.User != nil || again.Port() != "" {
			t.Fatalf("accepted %q: parsed %+v, %v", raw, again, perr)
		}
		host := again.Hostname()
		if host != u.Host || !regionalSNSHost(host) || net.ParseIP(host) != nil {
			t.Fatalf("accepted %q with host %q", raw, host)
		}
	})
}

// regionalSNSHost is the host rule written another way, as the fuzz
// target's oracle: sns, a region code (letters in dash-separated words,
// then a number), amazonaws.com, and .cn exactly for China's regions.
func regionalSNSHost(host string) bool {
	labels := strings.Split(host, ".")
	if len(labels) < 4 || labels[0] != "sns" || labels[2] != "amazonaws" || labels[3] != "com" {
		return false
	}
	china := strings.HasPrefix(labels[1], "cn-")
	if china && (len(labels) != 5 || labels[4] != "cn") || !china && len(labels) != 4 {
		return false
	}
	words := strings.Split(labels[1], "-")
	if len(words) < 3 || len(words[0]) != 2 {
		return false
	}
	for i, w := range words {
		last := i == len(words)-1
		for _, r := range w {
			if last && (r < '0' || r > '9') || !last && (r < 'a' || r > 'z') {
				return false
			}
		}
		if w == "" {
			return false
		}
	}
	return true
}
