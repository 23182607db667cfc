package cloudwatch

import (
	"net/url"
	"regexp"
	"strings"
)

// regionCode matches AWS region codes (us-east-1, ap-northeast-1,
// us-gov-west-1). Codes end up in console host names, so anything else is
// dropped rather than trusted.
var regionCode = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)

// location is where an alarm lives.
type location struct {
	region  string // region code, "" when unknown
	account string
}

// arn is an Amazon Resource Name split into its parts.
type arn struct {
	partition, service, region, account, resource string
}

func parseARN(s string) (arn, bool) {
	p := strings.SplitN(s, ":", 6)
	if len(p) != 6 || p[0] != "arn" {
		return arn{}, false
	}
	return arn{partition: p[1], service: p[2], region: p[3], account: p[4], resource: p[5]}, true
}

// alarmLocation finds the alarm's region code and account. The Region
// field is a display name ("US East (N. Virginia)", or "US - N. Virginia"
// in older alarms), so the code comes from the AlarmArn, and failing that
// from the topic's ARN: CloudWatch only notifies topics in its own region.
func alarmLocation(a *alarm, topicARN string) location {
	loc := location{account: string(a.AWSAccountID)}
	for _, s := range []string{string(a.AlarmArn), topicARN} {
		p, ok := parseARN(s)
		if !ok {
			continue
		}
		if loc.region == "" && regionCode.MatchString(p.region) {
			loc.region = p.region
		}
		if loc.account == "" {
			loc.account = p.account
		}
	}
	return loc
}

// consoleURLs returns the CloudWatch console home for region and the
// console page of the named alarm there; both are empty when the region is
// unknown.
func consoleURLs(region, alarmName string) (home, alarmPage string) {
	if !regionCode.MatchString(region) {
		return "", ""
	}
	host := region + ".console.aws.amazon.com"
	if strings.HasPrefix(region, "cn-") {
		host = region + ".console.amazonaws.cn"
	}
	home = "https://" + host + "/cloudwatch/home?region=" + region
	return home, home + "#alarmsV2:alarm/" + url.PathEscape(alarmName)
}
