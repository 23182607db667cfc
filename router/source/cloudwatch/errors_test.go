package cloudwatch_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/alertgate/alertgate/router/source/cloudwatch"
	"github.com/alertgate/alertgate/router/source/cloudwatch/snstest"
)

func TestReceive_RejectsMalformedEnvelopesNamingTheField(t *testing.T) {
	s := snstest.New(t)
	r := newReceiver(s, autoConfirm)
	signed := func(m *snstest.Message) map[string]any {
		var v map[string]any
		if err := json.Unmarshal(s.SignedBody(m, "2"), &v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	without := func(m *snstest.Message, field string) []byte {
		v := signed(m)
		delete(v, field)
		b, _ := json.Marshal(v)
		return b
	}
	with := func(m *snstest.Message, field string, value any) []byte {
		v := signed(m)
		v[field] = value
		b, _ := json.Marshal(v)
		return b
	}
	alarm := func() *snstest.Message { return snstest.AlarmNotification(topicTokyo, snstest.Alarm{}) }
	sub := func() *snstest.Message { return snstest.SubscriptionConfirmation(topicTokyo) }
	tests := []struct {
		name      string
		body      []byte
		wantField string
	}{
		{"empty body", nil, ""},
		{"not JSON", []byte("Type=Notification"), ""},
		{"truncated JSON", []byte(`{"Type":"Notification"`), ""},
		{"JSON array", []byte(`[]`), "(root)"},
		{"JSON null", []byte(`null`), "Type"},
		{"trailing data", append(s.SignedBody(alarm(), "2"), []byte(`{}`)...), ""},
		{"missing Type", without(alarm(), "Type"), "Type"},
		{"unknown Type", with(alarm(), "Type", "Advertisement"), "Type"},
		{"Type not a string", with(alarm(), "Type", 1), "Type"},
		{"missing MessageId", without(alarm(), "MessageId"), "MessageId"},
		{"missing TopicArn", without(alarm(), "TopicArn"), "TopicArn"},
		{"missing Message", without(alarm(), "Message"), "Message"},
		{"Message not a string", with(alarm(), "Message", map[string]any{"AlarmName": "x"}), "Message"},
		{"missing Timestamp", without(alarm(), "Timestamp"), "Timestamp"},
		{"unsupported SignatureVersion", with(alarm(), "SignatureVersion", "3"), "SignatureVersion"},
		{"Signature not base64", with(alarm(), "Signature", "not*base64"), "Signature"},
		{"confirmation missing Token", without(sub(), "Token"), "Token"},
		{"confirmation missing SubscribeURL", without(sub(), "SubscribeURL"), "SubscribeURL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := r.Receive(context.Background(), nil, tt.body)
			wantSourceError(t, err, http.StatusBadRequest, tt.wantField)
		})
	}
	// An unsigned message is an authentication failure: 403, as for a
	// forged signature.
	for _, field := range []string{"SignatureVersion", "Signature", "SigningCertURL"} {
		t.Run("missing "+field, func(t *testing.T) {
			_, err := r.Receive(context.Background(), nil, without(alarm(), field))
			wantSourceError(t, err, http.StatusForbidden, field)
		})
	}
	if reqs := s.Requests(); len(reqs) != 0 {
		t.Errorf("malformed messages caused requests %v", reqs)
	}
}

func TestReceive_HeaderTypeMustAgreeWithBody(t *testing.T) {
	s := snstest.New(t)
	r := newReceiver(s)
	m := snstest.AlarmNotification(topicTokyo, snstest.Alarm{})
	body := s.SignedBody(m, "2")
	tests := []struct {
		header string
		ok     bool
	}{
		{"", true},
		{"Notification", true},
		{"SubscriptionConfirmation", false},
		{"notification", false},
	}
	for _, tt := range tests {
		t.Run("header "+tt.header, func(t *testing.T) {
			h := http.Header{}
			if tt.header != "" {
				h.Set("x-amz-sns-message-type", tt.header)
			}
			_, err := r.Receive(context.Background(), h, body)
			if tt.ok {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantSourceError(t, err, http.StatusBadRequest, "Type")
		})
	}
}

func TestReceive_RejectsAlarmsItCannotUnderstandNamingTheField(t *testing.T) {
	s := snstest.New(t)
	r := newReceiver(s)
	tests := []struct {
		name, message, wantField string
	}{
		{"unknown state", `{"AlarmName":"x","NewStateValue":"BROKEN"}`, "Message.NewStateValue"},
		{"missing state", `{"AlarmName":"x","AlarmArn":"arn:aws:cloudwatch:us-east-1:1:alarm:x"}`, "Message.NewStateValue"},
		{"missing name", `{"NewStateValue":"ALARM"}`, "Message.AlarmName"},
		{"name is an object", `{"AlarmName":{"a":1},"NewStateValue":"ALARM"}`, "Message.AlarmName"},
		{"ARN is a list", `{"AlarmName":"x","NewStateValue":"ALARM","AlarmArn":["arn:aws:cloudwatch:us-east-1:1:alarm:x"]}`, "Message.AlarmArn"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := receive(t, r, s, snstest.Notification(topicTokyo, "", tt.message))
			wantSourceError(t, err, http.StatusBadRequest, tt.wantField)
		})
	}
}

// What only describes the alarm never refuses it, whatever its type: it
// is ignored and named in the answer.
func TestReceive_IgnoresUnreadableOptionalFieldsOfAnAlarm(t *testing.T) {
	s := snstest.New(t)
	r := newReceiver(s)
	tests := []struct {
		name, message, wantField string
	}{
		{"dimensions not a list", `{"AlarmName":"x","NewStateValue":"ALARM","Trigger":{"Dimensions":"InstanceId=i-1"}}`, "Message.Trigger.Dimensions"},
		{"trigger not an object", `{"AlarmName":"x","NewStateValue":"ALARM","Trigger":[1]}`, "Message.Trigger"},
		{"unreadable state change time", `{"AlarmName":"x","NewStateValue":"ALARM","StateChangeTime":"yesterday"}`, "Message.StateChangeTime"},
		{"description an object", `{"AlarmName":"x","NewStateValue":"ALARM","AlarmDescription":{"text":"d"}}`, "Message.AlarmDescription"},
		{"a metric query's stat a string", `{"AlarmName":"x","NewStateValue":"ALARM","Trigger":{"Metrics":[{"Id":"m1","MetricStat":"p99"}]}}`, "Message.Trigger.Metrics[0].MetricStat"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := mustReceive(t, r, s, snstest.Notification(topicTokyo, "", tt.message))
			if len(b.Alerts) != 1 || len(b.Ignored) != 1 || b.Ignored[0].Field != tt.wantField {
				t.Errorf("%d alerts, Ignored = %+v; want the alarm with %s ignored", len(b.Alerts), b.Ignored, tt.wantField)
			}
		})
	}
}

func TestReceive_JSONThatIsNotAnAlarmIsAPlainMessage(t *testing.T) {
	s := snstest.New(t)
	r := newReceiver(s)
	for _, msg := range []string{`{"hello":"world"}`, `[1,2,3]`, `42`, `{"broken":`, `"quoted"`} {
		t.Run(msg, func(t *testing.T) {
			got := mustReceive(t, r, s, snstest.Notification(topicTokyo, "", msg))
			if len(got.Alerts) != 1 || got.Alerts[0].Name != "SNS message" {
				t.Errorf("batch = %+v, want one plain alert", got)
			}
		})
	}
}

func TestReceive_SkipVerifyAcceptsSamplesButNeverConfirmsOrFetches(t *testing.T) {
	s := snstest.New(t)
	r := newReceiver(s, autoConfirm, func(c *cloudwatch.Config) { c.SkipVerify = true })
	m := snstest.AlarmNotification(topicTokyo, snstest.Alarm{})
	m.SignatureVersion, m.Signature = "1", "bm90IGEgc2lnbmF0dXJl" // "not a signature"
	m.SigningCertURL = "https://sns.ap-northeast-1.amazonaws.com/x.pem"
	b, err := r.Receive(context.Background(), nil, m.Body())
	if err != nil || len(b.Alerts) != 1 {
		t.Fatalf("Receive = %v, %v; want the alarm accepted unverified", b, err)
	}
	sub := snstest.SubscriptionConfirmation(topicTokyo)
	sub.SignatureVersion, sub.Signature, sub.SigningCertURL = "1", m.Signature, m.SigningCertURL
	if _, err := r.Receive(context.Background(), nil, sub.Body()); err != nil {
		t.Fatalf("subscription: %v", err)
	}
	if got := s.Requests(); len(got) != 0 {
		t.Errorf("unverified mode made requests %v; it must never confirm or fetch", got)
	}
	other := snstest.AlarmNotification("arn:aws:sns:ap-northeast-1:123456789012:other", snstest.Alarm{})
	other.SignatureVersion, other.Signature, other.SigningCertURL = "1", m.Signature, m.SigningCertURL
	_, err = r.Receive(context.Background(), nil, other.Body())
	wantSourceError(t, err, http.StatusForbidden, "TopicArn")
}
