package cloudwatch

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// snsHost matches the SNS endpoints of the commercial and China
// partitions. Lower case only: SNS never sends anything else, and
// accepting case variants would only widen what an attacker can try.
var snsHost = regexp.MustCompile(`^sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$`)

// checkSNSURL reports why raw is not an https URL on an SNS host. The
// parsed URL must also re-serialize to the exact prefix of raw, which
// rejects percent-encoded or otherwise disguised hosts, user info, ports
// and scheme tricks that a lenient parser might normalize into a
// harmless-looking Host.
func checkSNSURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return nil, fmt.Errorf("not a URL: %w", err)
	case u.Scheme != "https":
		return nil, fmt.Errorf("scheme %q is not https", u.Scheme)
	case u.User != nil:
		return nil, fmt.Errorf("URL carries user info")
	case !snsHost.MatchString(u.Host):
		return nil, fmt.Errorf("host %q is not an SNS host", u.Host)
	case !strings.HasPrefix(raw, "https://"+u.Host+"/"):
		return nil, fmt.Errorf("URL does not start with https://%s/", u.Host)
	}
	return u, nil
}

// checkCertURL is checkSNSURL for SigningCertURL, which must also name a
// .pem file and carry neither query nor fragment.
func checkCertURL(raw string) (*url.URL, error) {
	u, err := checkSNSURL(raw)
	switch {
	case err != nil:
		return nil, err
	case strings.ContainsAny(raw, "?#"):
		return nil, fmt.Errorf("URL has a query or fragment")
	case !strings.HasSuffix(u.Path, ".pem"):
		return nil, fmt.Errorf("path %q is not a .pem file", u.Path)
	}
	return u, nil
}
