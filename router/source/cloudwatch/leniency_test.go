package cloudwatch_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/alertgate/alertgate/router/source"
	"github.com/alertgate/alertgate/router/source/cloudwatch"
	"github.com/alertgate/alertgate/router/source/cloudwatch/snstest"
	"github.com/alertgate/alertgate/router/source/sourcetest"
)

// essential are the fields of a CloudWatch alarm notification the alert
// cannot do without: the alarm, its name, its new state and its identity
// (the ARN, or the account of an older alarm without one). The rest of the envelope is signed by SNS, and checked
// as such by the signature tests; UnsubscribeURL, which is not signed,
// is optional.
var essential = sourcetest.EssentialFields("Message", "Message.AlarmName", "Message.NewStateValue", "Message.AlarmArn", "Message.AWSAccountId")

// alarmSample is a testdata notification as the leniency checks see it:
// the document is {"Message": <the alarm, as JSON>, "UnsubscribeURL": ...}
// and parse puts a changed document back into the rest of the envelope.
type alarmSample struct {
	sample sourcetest.Sample
	parse  sourcetest.Parser
}

// alarmSamples are the alarm notifications under testdata. They are
// parsed by a receiver that skips signature verification: the rule is
// about reading the alarm, which comes after the signature check, and
// signing thousands of variants with RSA would make the test slow for
// nothing. (FuzzReceive and the verify tests sign what they send.)
func alarmSamples(t testing.TB) []alarmSample {
	t.Helper()
	var out []alarmSample
	for _, name := range testdataEnvelopes(t) {
		env := load(t, name)
		if env.Type != "Notification" || !json.Valid([]byte(env.Message)) || !strings.Contains(env.Message, "AlarmName") {
			continue // confirmations and plain publishes: the message is the identity
		}
		doc, _ := json.Marshal(map[string]any{"Message": json.RawMessage(env.Message), "UnsubscribeURL": env.UnsubscribeURL})
		r := cloudwatch.New(cloudwatch.Config{TopicARNs: []string{env.TopicArn}, SkipVerify: true})
		out = append(out, alarmSample{sourcetest.Sample{Name: name, Doc: doc}, envelopeParser(r, *env)})
	}
	return out
}

// envelopeParser returns a Parser that puts a document's Message into
// env and overlays the UnsubscribeURL as the document has it (any JSON,
// or absent).
func envelopeParser(r *cloudwatch.Receiver, env snstest.Message) sourcetest.Parser {
	return func(doc []byte) (source.Batch, error) {
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(doc, &fields); err != nil {
			return source.Batch{}, err
		}
		m := env
		m.Message, m.UnsubscribeURL = string(fields["Message"]), ""
		if msg, ok := fields["Message"]; !ok {
			m.Message = ""
		} else {
			var text string
			if json.Unmarshal(msg, &text) == nil {
				m.Message = text // a string Message is the message itself
			}
		}
		m.SignatureVersion, m.Signature, m.SigningCertURL = "2", "bm90IGNoZWNrZWQ=", "https://sns.us-east-1.amazonaws.com/x.pem" // not checked
		var body map[string]json.RawMessage
		if err := json.Unmarshal(m.Body(), &body); err != nil {
			return source.Batch{}, err
		}
		if u, ok := fields["UnsubscribeURL"]; ok {
			body["UnsubscribeURL"] = u
		}
		b, err := json.Marshal(body)
		if err != nil {
			return source.Batch{}, err
		}
		return r.Receive(context.Background(), m.Header(), b)
	}
}

func TestLeniency_NoOptionalFieldRefusesTheAlarmAndEveryNeededOneIsNamed(t *testing.T) {
	for _, a := range alarmSamples(t) {
		sourcetest.Leniency(t, []sourcetest.Sample{a.sample}, essential, a.parse)
	}
}

// FuzzLeniency puts arbitrary JSON into the optional fields of the real
// alarm notifications: the alert must be accepted with the same
// fingerprint and status.
func FuzzLeniency(f *testing.F) {
	samples := alarmSamples(f)
	var seeds []sourcetest.Sample
	for _, a := range samples {
		seeds = append(seeds, a.sample)
	}
	sourcetest.Seed(f, seeds)
	f.Fuzz(func(t *testing.T, sample, field uint, value []byte) {
		a := samples[int(sample%uint(len(samples)))]
		sourcetest.Mutate(t, []sourcetest.Sample{a.sample}, essential, a.parse, 0, field, value)
	})
}
