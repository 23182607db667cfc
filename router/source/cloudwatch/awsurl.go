package cloudwatch

import (
	"fmt"
	"net/url"
	"strings"
)

// isSNSHost reports whether host is the SNS endpoint of a region:
// sns.<region>.amazonaws.com, or sns.cn-<...>.amazonaws.com.cn in the
// China partition, with a region code that has the shape of a real one
// (us-east-1, ap-northeast-1, us-gov-west-1). A looser rule such as
// sns.<anything>.amazonaws.com would let in hosts that are not SNS and
// that others can own: sns.s3.amazonaws.com is an S3 bucket called
// "sns". Lower case only: SNS never sends anything else, and accepting
// case variants would only widen what an attacker can try.
func isSNSHost(host string) bool {
	rest, ok := strings.CutPrefix(host, "sns.")
	if !ok {
		return false
	}
	if region, ok := strings.CutSuffix(rest, ".amazonaws.com.cn"); ok {
		return strings.HasPrefix(region, "cn-") && regionCode.MatchString(region)
	}
	region, ok := strings.CutSuffix(rest, ".amazonaws.com")
	return ok && !strings.HasPrefix(region, "cn-") && regionCode.MatchString(region)
}

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
	case !isSNSHost(u.Host):
		return nil, fmt.Errorf("host %q is not the SNS endpoint of a region (sns.<region>.amazonaws.com)", u.Host)
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
