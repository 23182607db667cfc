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
		if host != u.Host || !snsHost.MatchString(host) || net.ParseIP(host) != nil {
			t.Fatalf("accepted %q with host %q", raw, host)
		}
		if !strings.HasSuffix(host, ".amazonaws.com") && !strings.HasSuffix(host, ".amazonaws.com.cn") {
			t.Fatalf("accepted %q outside AWS", raw)
		}
	})
}
