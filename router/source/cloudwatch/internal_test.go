package cloudwatch

import (
	"crypto/x509"
	"encoding/json"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/alertgate/alertgate/alert"
)

func TestCheckSNSURL_AcceptsOnlySNSHosts(t *testing.T) {
	tests := []struct {
		url string
		ok  bool
	}{
		{"https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&Token=x", true},
		{"https://sns.cn-north-1.amazonaws.com.cn/?Action=ConfirmSubscription", true},
		{"https://sns.ap-northeast-1.amazonaws.com/", true},
		{"https://sns.ap-northeast-1.amazonaws.com", false}, // no path at all
		{"https://sns.ap-northeast-1.amazonaws.com:443/", false},
		{"https://x@sns.ap-northeast-1.amazonaws.com/", false},
		{"https://sns.ap-northeast-1.amazonaws.com%2f@evil.com/", false},
		{"https://sns.ap-northeast-1.amazonaws.com.evil.com/", false},
		{"https://sns.Ap-northeast-1.amazonaws.com/", false},
		{"http://sns.ap-northeast-1.amazonaws.com/", false},
		{"https://sns.ap-northeast-1.amazonaws.com\t/", false},
		{"https://sns.ap-northeast-1.amazonaws.com\n.evil.com/", false},
		{"https://sns.us-gov-west-1.amazonaws.com/", true},
		{"https://sns.eu-central-2.amazonaws.com/", true},
		// Hosts under amazonaws.com that are not SNS endpoints: an S3
		// bucket named "sns" and its look-alikes, EC2 and other services.
		{"https://sns.s3.amazonaws.com/", false},
		{"https://sns.s3.us-east-1.amazonaws.com/", false},
		{"https://sns.s3-website-us-east-1.amazonaws.com/", false},
		{"https://sns.s3-external-1.amazonaws.com/", false},
		{"https://sns.compute-1.amazonaws.com/", false},
		{"https://sns.execute-api.us-east-1.amazonaws.com/", false},
		{"https://sns.amazonaws.com/", false},
		{"https://sns.us-east.amazonaws.com/", false},
		{"https://sns.cn-north-1.amazonaws.com/", false},
		{"https://sns.us-east-1.amazonaws.com.cn/", false},
	}
	for _, tt := range tests {
		t.Run(strconv.Quote(tt.url), func(t *testing.T) {
			_, err := checkSNSURL(tt.url)
			if (err == nil) != tt.ok {
				t.Errorf("checkSNSURL = %v, want ok=%v", err, tt.ok)
			}
		})
	}
}

// The CA issuer URL comes from a certificate not yet trusted: only
// Amazon Trust Services' hosts are ever asked.
func TestIsAmazonTrustURL(t *testing.T) {
	for u, want := range map[string]bool{
		"http://crt.r2m01.amazontrust.com/r2m01.cer":      true,
		"https://crt.rootca1.amazontrust.com/rootca1.cer": true,
		"http://amazontrust.com/x.cer":                    false,
		"http://crt.r2m01.amazontrust.com.evil.com/x.cer": false,
		"http://evilamazontrust.com/x.cer":                false,
		"http://crt.r2m01.amazontrust.com:8080/r2m01.cer": false,
		"http://x@crt.r2m01.amazontrust.com/r2m01.cer":    false,
		"ftp://crt.r2m01.amazontrust.com/r2m01.cer":       false,
		"http://169.254.169.254/latest/meta-data":         false,
		"http://cacerts.digicert.com/DigiCertCA.crt":      false,
		"http://crt.r2m01.amazontrust.com%2f.evil.com/x":  false,
		"http://CRT.R2M01.AMAZONTRUST.COM/r2m01.cer":      false,
	} {
		if got := isAmazonTrustURL(u); got != want {
			t.Errorf("isAmazonTrustURL(%q) = %v, want %v", u, got, want)
		}
	}
}

func TestLabelName_SanitizesDimensionNames(t *testing.T) {
	tests := map[string]string{
		"InstanceId":          "InstanceId",
		"DBClusterIdentifier": "DBClusterIdentifier",
		"Cluster Name":        "Cluster_Name",
		"2fa":                 "_2fa",
		"a.b-c/d":             "a_b_c_d",
		"名前":                  "______",
		"":                    "",
	}
	for in, want := range tests {
		if got := labelName(in); got != want {
			t.Errorf("labelName(%q) = %q, want %q", in, got, want)
		}
	}
	long := labelName(string(make([]byte, 1000)))
	if len(long) != alert.MaxLabelNameLen {
		t.Errorf("long name sanitized to %d bytes, want %d", len(long), alert.MaxLabelNameLen)
	}
}

func TestAlarmLocation_PrefersAlarmArnThenTopic(t *testing.T) {
	tests := []struct {
		name  string
		alarm alarm
		topic string
		want  location
	}{
		{"from AlarmArn", alarm{AlarmArn: "arn:aws:cloudwatch:eu-west-1:111:alarm:x", AWSAccountID: "111"}, "arn:aws:sns:us-east-1:222:t", location{"eu-west-1", "111"}},
		{"from topic without AlarmArn", alarm{}, "arn:aws:sns:us-east-1:222:t", location{"us-east-1", "222"}},
		{"garbage region dropped", alarm{AlarmArn: "arn:aws:cloudwatch:evil.com/x:111:alarm:x"}, "not-an-arn", location{"", "111"}},
		{"GovCloud", alarm{AlarmArn: "arn:aws-us-gov:cloudwatch:us-gov-west-1:111:alarm:x"}, "", location{"us-gov-west-1", "111"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := alarmLocation(&tt.alarm, tt.topic); got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestConsoleURLs_UseThePartitionsConsole(t *testing.T) {
	tests := []struct{ region, name, home, page string }{
		{"ap-northeast-1", "a b/c", "https://ap-northeast-1.console.aws.amazon.com/cloudwatch/home?region=ap-northeast-1", "https://ap-northeast-1.console.aws.amazon.com/cloudwatch/home?region=ap-northeast-1#alarmsV2:alarm/a%20b%2Fc"},
		{"cn-north-1", "x", "https://cn-north-1.console.amazonaws.cn/cloudwatch/home?region=cn-north-1", "https://cn-north-1.console.amazonaws.cn/cloudwatch/home?region=cn-north-1#alarmsV2:alarm/x"},
		{"", "x", "", ""},
		{"evil.com#", "x", "", ""},
	}
	for _, tt := range tests {
		home, page := consoleURLs(tt.region, tt.name)
		if home != tt.home || page != tt.page {
			t.Errorf("consoleURLs(%q, %q) = %q, %q; want %q, %q", tt.region, tt.name, home, page, tt.home, tt.page)
		}
	}
}

func TestCertCache_IsBoundedAndEvictsTheOldest(t *testing.T) {
	c := newCertCache(2)
	a, b, d := &x509.Certificate{}, &x509.Certificate{}, &x509.Certificate{}
	c.put("a", a)
	c.put("b", b)
	c.put("a", a) // already cached: no reordering, no growth
	c.put("d", d)
	if c.get("a") != nil {
		t.Error("oldest entry a was not evicted")
	}
	if c.get("b") != b || c.get("d") != d {
		t.Error("newer entries were evicted")
	}
	if len(c.certs) != 2 || len(c.order) != 2 {
		t.Errorf("cache holds %d certificates and %d keys, want 2", len(c.certs), len(c.order))
	}
}

func TestStringToSign_FollowsTheDocumentedFieldOrder(t *testing.T) {
	tests := []struct {
		name string
		m    envelope
		want string
	}{
		{"notification with subject", envelope{Type: "Notification", MessageID: "id", TopicArn: "t", Subject: "s", Message: "m", Timestamp: "ts", Token: "ignored", SubscribeURL: "ignored"},
			"Message\nm\nMessageId\nid\nSubject\ns\nTimestamp\nts\nTopicArn\nt\nType\nNotification\n"},
		{"notification without subject", envelope{Type: "Notification", MessageID: "id", TopicArn: "t", Message: "m", Timestamp: "ts"},
			"Message\nm\nMessageId\nid\nTimestamp\nts\nTopicArn\nt\nType\nNotification\n"},
		{"confirmation", envelope{Type: "SubscriptionConfirmation", MessageID: "id", TopicArn: "t", Subject: "ignored", Message: "m", Timestamp: "ts", Token: "tok", SubscribeURL: "u"},
			"Message\nm\nMessageId\nid\nSubscribeURL\nu\nTimestamp\nts\nToken\ntok\nTopicArn\nt\nType\nSubscriptionConfirmation\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(tt.m.stringToSign()); got != tt.want {
				t.Errorf("got\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

// BenchmarkParseAlarm measures decoding and normalizing the alarm JSON
// alone, without the envelope or signature.
func BenchmarkParseAlarm(b *testing.B) {
	raw, err := os.ReadFile("testdata/notification-alarm.json")
	if err != nil {
		b.Fatal(err)
	}
	var m envelope
	if err := json.Unmarshal(raw, &m); err != nil {
		b.Fatal(err)
	}
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		a, err := parseAlarm(m.Message)
		if err != nil {
			b.Fatal(err)
		}
		out := alarmAlert(&m, a, now)
		if err := out.Validate(); err != nil {
			b.Fatal(err)
		}
	}
}
