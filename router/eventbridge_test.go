package router

import (
	"net/http"
	"strings"
	"testing"
)

const ebPath = "/api/v1/alerts/eventbridge"

func TestIngest_EventBridgeIsOffUntilConfigured(t *testing.T) {
	h := newHarness(t, testConfig, nil)
	if code, _ := h.post(ebPath, "eb-token", readFile(t, "source/eventbridge/testdata/metric.json")); code != http.StatusNotFound {
		t.Errorf("unconfigured eventbridge: %d, want 404", code)
	}
}

func TestIngest_EventBridgeAlarmIsOneIncidentWithItsResolve(t *testing.T) {
	h := newHarness(t, strings.Replace(testConfig, "sources:\n", "sources:\n  eventbridge: {token: eb-token}\n", 1), nil)
	if code, _ := h.post(ebPath, "", readFile(t, "source/eventbridge/testdata/metric.json")); code != http.StatusUnauthorized {
		t.Errorf("without the token: %d, want 401", code)
	}
	code, resp := h.post(ebPath, "eb-token", readFile(t, "source/eventbridge/testdata/metric.json"))
	if code != http.StatusOK || resp["notify"].(float64) != 1 {
		t.Fatalf("ALARM: %d %v", code, resp)
	}
	// EventBridge delivers at least once: a redelivery is a duplicate.
	if code, resp = h.post(ebPath, "eb-token", readFile(t, "source/eventbridge/testdata/metric.json")); code != http.StatusOK || resp["suppressed"].(float64) != 1 {
		t.Fatalf("redelivery: %d %v", code, resp)
	}
	h.deliver()
	code, resp = h.post(ebPath, "eb-token", readFile(t, "source/eventbridge/testdata/metric-ok.json"))
	if code != http.StatusOK || resp["notify"].(float64) != 1 {
		t.Fatalf("OK: %d %v", code, resp)
	}
	h.advance(10 * 60e9)
	h.deliver()
	sent := h.logLines("notification")
	kinds := []string{}
	for _, s := range sent {
		kinds = append(kinds, s["kind"].(string)+":"+s["target"].(string))
	}
	if len(sent) != 4 || sent[0]["incident"] != sent[3]["incident"] {
		t.Errorf("notifications = %v, want trigger and resolve to pagerduty and slack, one incident", kinds)
	}
	code, resp = h.post(ebPath, "eb-token", readFile(t, "source/eventbridge/testdata/config-change.json"))
	if code != http.StatusOK || resp["accepted"].(float64) != 0 || resp["note"] == nil {
		t.Errorf("another detail-type: %d %v, want 2xx with no alert", code, resp)
	}
}

func TestIngest_SNSRawMessageDeliveryIsExplained(t *testing.T) {
	h := newHarness(t, testConfig, nil)
	raw := `{"AlarmName":"x","NewStateValue":"ALARM","AlarmArn":"arn:aws:cloudwatch:ap-northeast-1:123456789012:alarm:x"}`
	code, resp := h.post(cwPath, "", []byte(raw), "x-amz-sns-message-type", "Notification", "x-amz-sns-rawdelivery", "true")
	if code != http.StatusBadRequest || !strings.Contains(resp["error"].(string), "raw message delivery must be off for this subscription") {
		t.Errorf("raw delivery: %d %v", code, resp)
	}
	code, resp = h.post(cwPath, "", readFile(t, "source/eventbridge/testdata/metric.json"))
	if code != http.StatusBadRequest || !strings.Contains(resp["error"].(string), "raw message delivery must be off") {
		t.Errorf("EventBridge event on the SNS endpoint: %d %v", code, resp)
	}
}
