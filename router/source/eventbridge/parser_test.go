package eventbridge

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/router/source"
	"github.com/alertgate/alertgate/router/source/cloudwatch"
)

var now = time.Date(2026, 3, 4, 9, 0, 0, 0, time.UTC)

func receive(t *testing.T, file string) (source.Batch, error) {
	t.Helper()
	body, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	return Parser{Now: func() time.Time { return now }}.Receive(context.Background(), http.Header{}, body)
}

func TestReceive_AlarmKinds(t *testing.T) {
	tests := []struct {
		file     string
		status   alert.Status
		severity alert.Severity
		labels   map[string]string
		ann      map[string]string
	}{
		{"metric.json", alert.StatusFiring, alert.SeverityCritical,
			map[string]string{"alertname": "web-prod-alb 5xx critical", "region": "ap-northeast-1", "account": "123456789012", "namespace": "AWS/ApplicationELB", "metric": "HTTPCode_ELB_5XX_Count", "LoadBalancer": "app/web-prod-alb/50dc6c495c0c9188", "source": "cloudwatch"},
			map[string]string{"old_state": "OK", "new_state": "ALARM", "eventbridge_event_id": "c4c1c1c9-6542-e61b-6ef0-8c4d36933a92"}},
		{"metric-ok.json", alert.StatusResolved, alert.SeverityCritical,
			map[string]string{"LoadBalancer": "app/web-prod-alb/50dc6c495c0c9188"},
			map[string]string{"new_state": "OK"}},
		{"metric-math.json", alert.StatusFiring, alert.SeverityWarning,
			map[string]string{"namespace": "AWS/Lambda", "metric": "Errors", "FunctionName": "checkout-api", "Resource": "live"},
			map[string]string{"expression": "100*(errors/invocations)"}},
		{"anomaly.json", alert.StatusFiring, alert.SeverityWarning,
			map[string]string{"region": "us-east-1", "namespace": "AWS/SQS", "metric": "ApproximateAgeOfOldestMessage", "QueueName": "orders"},
			map[string]string{"expression": "ANOMALY_DETECTION_BAND(m1, 2)"}},
		{"composite.json", alert.StatusFiring, alert.SeverityCritical,
			map[string]string{"alertname": "checkout degraded", "region": "ap-northeast-1"},
			map[string]string{"alarm_rule": `ALARM("[warning] checkout-api error rate") AND ALARM("web-prod-alb 5xx critical")`}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			b, err := receive(t, tt.file)
			if err != nil {
				t.Fatal(err)
			}
			if len(b.Alerts) != 1 {
				t.Fatalf("alerts = %d, want 1", len(b.Alerts))
			}
			a := b.Alerts[0]
			if a.Source != alert.SourceCloudWatch || a.Status != tt.status || a.Severity != tt.severity {
				t.Errorf("source, status, severity = %s %s %s, want cloudwatch %s %s", a.Source, a.Status, a.Severity, tt.status, tt.severity)
			}
			for k, v := range tt.labels {
				if a.Labels[k] != v {
					t.Errorf("label %s = %q, want %q", k, a.Labels[k], v)
				}
			}
			for k, v := range tt.ann {
				if a.Annotations[k] != v {
					t.Errorf("annotation %s = %q, want %q", k, a.Annotations[k], v)
				}
			}
			if _, ok := a.Annotations["sns_message_id"]; ok {
				t.Error("an EventBridge alert carries sns_message_id")
			}
			if a.GeneratorURL == "" || !strings.Contains(a.GeneratorURL, "#alarmsV2:alarm/") {
				t.Errorf("generatorURL = %q, want the alarm's console page", a.GeneratorURL)
			}
			if !json.Valid(a.Raw) {
				t.Errorf("raw is not JSON: %s", a.Raw)
			}
		})
	}
}

func TestReceive_FiringAndOKAreOneAlert(t *testing.T) {
	fire, err := receive(t, "metric.json")
	if err != nil {
		t.Fatal(err)
	}
	ok, err := receive(t, "metric-ok.json")
	if err != nil {
		t.Fatal(err)
	}
	if fire.Alerts[0].Fingerprint != ok.Alerts[0].Fingerprint {
		t.Errorf("ALARM and OK of one alarm have different fingerprints")
	}
	if want := time.Date(2026, 3, 4, 6, 20, 10, 1e6, time.UTC); !ok.Alerts[0].EndsAt.Equal(want) {
		t.Errorf("endsAt = %s, want the state timestamp %s", ok.Alerts[0].EndsAt, want)
	}
}

// TestReceive_SameAlertAsSNS feeds the same alarm state change through the
// SNS endpoint's parser and this one: an alarm routed both ways must be
// one alert, with the same identity and labels.
func TestReceive_SameAlertAsSNS(t *testing.T) {
	for _, tt := range []struct{ sns, eb string }{
		{"notification-metric-math.json", "metric-math.json"},
	} {
		body, err := os.ReadFile(filepath.Join("..", "cloudwatch", "testdata", tt.sns))
		if err != nil {
			t.Fatal(err)
		}
		var env struct{ TopicArn string }
		_ = json.Unmarshal(body, &env)
		rc := cloudwatch.New(cloudwatch.Config{TopicARNs: []string{env.TopicArn}, SkipVerify: true, Now: func() time.Time { return now }})
		h := http.Header{}
		h.Set("X-Amz-Sns-Message-Type", "Notification")
		viaSNS, err := rc.Receive(context.Background(), h, body)
		if err != nil {
			t.Fatal(err)
		}
		viaEB, err := receive(t, tt.eb)
		if err != nil {
			t.Fatal(err)
		}
		s, e := viaSNS.Alerts[0], viaEB.Alerts[0]
		if s.Fingerprint != e.Fingerprint || s.Name != e.Name || s.Status != e.Status || s.Severity != e.Severity || !s.StartsAt.Equal(e.StartsAt) {
			t.Errorf("SNS %s %q %s %s %s\nEventBridge %s %q %s %s %s", s.Fingerprint, s.Name, s.Status, s.Severity, s.StartsAt, e.Fingerprint, e.Name, e.Status, e.Severity, e.StartsAt)
		}
		for k, v := range s.Labels {
			if k != "topic" && e.Labels[k] != v {
				t.Errorf("label %s: SNS %q, EventBridge %q", k, v, e.Labels[k])
			}
		}
	}
}

func TestReceive_NoAlert(t *testing.T) {
	for _, file := range []string{"insufficient-data.json", "config-change.json"} {
		t.Run(file, func(t *testing.T) {
			b, err := receive(t, file)
			if err != nil {
				t.Fatal(err)
			}
			if len(b.Alerts) != 0 || b.Note == "" {
				t.Errorf("batch = %+v, want no alert and a note", b)
			}
		})
	}
}

func TestReceive_RejectsWhatItCannotUnderstand(t *testing.T) {
	tests := []struct {
		name, body, field string
	}{
		{"not JSON", `{"detail-type":`, ""},
		{"no detail-type", `{"source":"aws.cloudwatch","detail":{}}`, "detail-type"},
		{"an SNS message", `{"Type":"Notification","TopicArn":"arn:aws:sns:us-east-1:1:t","Message":"x"}`, "Type"},
		{"no alarm name", `{"detail-type":"CloudWatch Alarm State Change","source":"aws.cloudwatch","detail":{"state":{"value":"ALARM"}}}`, "detail.alarmName"},
		{"no state", `{"detail-type":"CloudWatch Alarm State Change","source":"aws.cloudwatch","detail":{"alarmName":"x"}}`, "detail.state.value"},
		{"unknown state", `{"detail-type":"CloudWatch Alarm State Change","source":"aws.cloudwatch","resources":["arn:aws:cloudwatch:us-east-1:123456789012:alarm:x"],"detail":{"alarmName":"x","state":{"value":"SLEEPY"}}}`, "detail.state.value"},
		{"detail not an object", `{"detail-type":"CloudWatch Alarm State Change","source":"aws.cloudwatch","detail":[1]}`, "detail"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parser{}.Receive(context.Background(), http.Header{}, []byte(tt.body))
			var se *source.Error
			if !errors.As(err, &se) || se.Status != http.StatusBadRequest {
				t.Fatalf("error = %v, want a 400", err)
			}
			if se.Field != tt.field {
				t.Errorf("field = %q, want %q (%s)", se.Field, tt.field, se.Reason)
			}
		})
	}
}
