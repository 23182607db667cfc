package newrelic

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/internal/golden"
	"github.com/alertgate/alertgate/router/source"
)

// testNow is the fixed clock of every test: during the sample issue.
var testNow = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

func testParser() Parser {
	return Parser{Now: func() time.Time { return testNow }}
}

func readSample(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func parseOne(t testing.TB, body []byte) alert.Alert {
	t.Helper()
	b, err := testParser().Parse(body)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if len(b.Alerts) != 1 {
		t.Fatalf("Parse gave %d alerts, want 1", len(b.Alerts))
	}
	return b.Alerts[0]
}

func TestParse_SamplesMatchGoldenFiles(t *testing.T) {
	for _, name := range []string{
		"workflow_created",
		"workflow_activated",
		"workflow_acknowledged",
		"workflow_closed",
		"workflow_custom_strings",
		"legacy_open",
		"legacy_closed",
	} {
		t.Run(name, func(t *testing.T) {
			b, err := testParser().Parse(readSample(t, name))
			if err != nil {
				t.Fatal(err)
			}
			golden.AssertJSON(t, name, b.Alerts)
		})
	}
}

func TestReceive_IsParse(t *testing.T) {
	body := readSample(t, "workflow_activated")
	got, err := testParser().Receive(context.Background(), http.Header{}, body)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := testParser().Parse(body)
	gj, _ := json.Marshal(got)
	wj, _ := json.Marshal(want)
	if !bytes.Equal(gj, wj) {
		t.Errorf("Receive = %s\nParse = %s", gj, wj)
	}
}

func TestParse_IssueKeepsItsFingerprintThroughItsLifecycle(t *testing.T) {
	tests := []struct {
		sample     string
		wantStatus alert.Status
		wantState  string
	}{
		{"workflow_created", alert.StatusFiring, "created"},
		{"workflow_activated", alert.StatusFiring, "activated"},
		{"workflow_acknowledged", alert.StatusFiring, "acknowledged"},
		{"workflow_closed", alert.StatusResolved, "closed"},
	}
	want := parseOne(t, readSample(t, "workflow_created")).Fingerprint
	for _, tt := range tests {
		t.Run(tt.sample, func(t *testing.T) {
			a := parseOne(t, readSample(t, tt.sample))
			if a.Fingerprint != want {
				t.Errorf("fingerprint %s, CREATED had %s", a.Fingerprint, want)
			}
			if a.Status != tt.wantStatus || a.Annotations[annotationState] != tt.wantState {
				t.Errorf("status %s, state %q; want %s, %q", a.Status, a.Annotations[annotationState], tt.wantStatus, tt.wantState)
			}
		})
	}
}

func TestParse_LegacyIncidentKeepsItsFingerprint(t *testing.T) {
	open := parseOne(t, readSample(t, "legacy_open"))
	closed := parseOne(t, readSample(t, "legacy_closed"))
	if open.Fingerprint != closed.Fingerprint {
		t.Errorf("open %s, closed %s", open.Fingerprint, closed.Fingerprint)
	}
	if open.Status != alert.StatusFiring || closed.Status != alert.StatusResolved {
		t.Errorf("statuses %s, %s; want firing, resolved", open.Status, closed.Status)
	}
	if workflow := parseOne(t, readSample(t, "workflow_created")); workflow.Fingerprint == open.Fingerprint {
		t.Error("a workflow issue and a legacy incident share a fingerprint")
	}
}

func TestParse_ResendKeepsFingerprint(t *testing.T) {
	body := readSample(t, "workflow_custom_strings")
	first := parseOne(t, body)
	later, err := Parser{Now: func() time.Time { return testNow.Add(time.Hour) }}.Parse(body)
	if err != nil {
		t.Fatal(err)
	}
	if later.Alerts[0].Fingerprint != first.Fingerprint {
		t.Errorf("re-send gave %s, first send %s", later.Alerts[0].Fingerprint, first.Fingerprint)
	}
}

func TestParse_WithoutIDIdentifiesByConditionAndEntity(t *testing.T) {
	a := parseOne(t, []byte(`{"state": "ACTIVATED", "alertConditionNames": ["CPU", "Memory"], "impactedEntities": ["web-1"]}`))
	reordered := parseOne(t, []byte(`{"state": "CLOSED", "alertConditionNames": ["Memory", "CPU"], "impactedEntities": "web-1"}`))
	other := parseOne(t, []byte(`{"state": "ACTIVATED", "alertConditionNames": ["CPU", "Memory"], "impactedEntities": ["web-2"]}`))
	legacy := parseOne(t, []byte(`{"current_state": "open", "condition_name": "CPU", "targets": [{"name": "web-1"}]}`))
	legacyAgain := parseOne(t, []byte(`{"current_state": "closed", "condition_name": "CPU", "targets": [{"name": "web-1"}]}`))
	if a.Fingerprint != reordered.Fingerprint {
		t.Errorf("same conditions and entity in another order: %s vs %s", a.Fingerprint, reordered.Fingerprint)
	}
	if a.Fingerprint == other.Fingerprint {
		t.Errorf("different entities share fingerprint %s", a.Fingerprint)
	}
	if legacy.Fingerprint != legacyAgain.Fingerprint {
		t.Errorf("legacy open %s, closed %s", legacy.Fingerprint, legacyAgain.Fingerprint)
	}
}

func TestParse_DerivesMissingFields(t *testing.T) {
	tests := []struct {
		name       string
		body       string
		wantName   string
		wantStatus alert.Status
		wantStarts time.Time
		wantEnds   time.Time
	}{
		{
			name:     "missing createdAt starts now",
			body:     `{"id": "i1", "state": "ACTIVATED", "title": "Disk full"}`,
			wantName: "Disk full", wantStatus: alert.StatusFiring, wantStarts: testNow,
		},
		{
			name:     "closed without updatedAt ends now",
			body:     `{"id": "i1", "state": "closed", "title": "Disk full", "createdAt": 1772600000000}`,
			wantName: "Disk full", wantStatus: alert.StatusResolved,
			wantStarts: time.UnixMilli(1772600000000).UTC(), wantEnds: testNow,
		},
		{
			name:     "closedAt wins over updatedAt",
			body:     `{"id": "i1", "state": "CLOSED", "alertConditionNames": "Disk", "createdAt": "2026-03-04T04:00:00Z", "updatedAt": "2026-03-04T05:00:00Z", "closedAt": "2026-03-04T04:30:00+00:00"}`,
			wantName: "Disk", wantStatus: alert.StatusResolved,
			wantStarts: time.Date(2026, 3, 4, 4, 0, 0, 0, time.UTC), wantEnds: time.Date(2026, 3, 4, 4, 30, 0, 0, time.UTC),
		},
		{
			name:     "name from the policy when nothing else",
			body:     `{"id": "i1", "state": "ACTIVATED", "alertPolicyNames": ["Golden signals"]}`,
			wantName: "Golden signals", wantStatus: alert.StatusFiring, wantStarts: testNow,
		},
		{
			name:     "name from accumulations",
			body:     `{"id": "i1", "state": "ACTIVATED", "accumulations": {"conditionName": ["Latency"]}}`,
			wantName: "Latency", wantStatus: alert.StatusFiring, wantStarts: testNow,
		},
		{
			name:     "no name at all",
			body:     `{"id": "i1", "state": "ACTIVATED"}`,
			wantName: "unnamed", wantStatus: alert.StatusFiring, wantStarts: testNow,
		},
		{
			name:     "zero epochs are treated as missing",
			body:     `{"id": "i1", "state": "CLOSED", "title": "Disk full", "createdAt": 0, "updatedAt": "0"}`,
			wantName: "Disk full", wantStatus: alert.StatusResolved, wantStarts: testNow, wantEnds: testNow,
		},
		{
			name:     "legacy without timestamp",
			body:     `{"incident_id": 7, "current_state": "CLOSED", "condition_name": "CPU"}`,
			wantName: "CPU", wantStatus: alert.StatusResolved, wantStarts: testNow, wantEnds: testNow,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := parseOne(t, []byte(tt.body))
			if a.Name != tt.wantName || a.Status != tt.wantStatus {
				t.Errorf("name, status = %q, %s; want %q, %s", a.Name, a.Status, tt.wantName, tt.wantStatus)
			}
			if !a.StartsAt.Equal(tt.wantStarts) || !a.EndsAt.Equal(tt.wantEnds) {
				t.Errorf("startsAt, endsAt = %v, %v; want %v, %v", a.StartsAt, a.EndsAt, tt.wantStarts, tt.wantEnds)
			}
		})
	}
}

func TestParse_MapsPriorityAndSeverity(t *testing.T) {
	tests := []struct {
		body string
		want alert.Severity
	}{
		{`{"id": "i", "state": "ACTIVATED", "priority": "CRITICAL"}`, alert.SeverityCritical},
		{`{"id": "i", "state": "ACTIVATED", "priority": "HIGH"}`, alert.SeverityWarning},
		{`{"id": "i", "state": "ACTIVATED", "priority": "medium"}`, alert.SeverityInfo},
		{`{"id": "i", "state": "ACTIVATED", "priority": "LOW"}`, alert.SeverityInfo},
		{`{"id": "i", "state": "ACTIVATED", "priority": "P1"}`, alert.SeverityCritical},
		{`{"id": "i", "state": "ACTIVATED", "priority": "urgent-ish"}`, alert.SeverityWarning},
		{`{"id": "i", "state": "ACTIVATED"}`, alert.SeverityWarning},
		{`{"incident_id": 1, "current_state": "open", "severity": "CRITICAL"}`, alert.SeverityCritical},
		{`{"incident_id": 1, "current_state": "open", "severity": "WARNING"}`, alert.SeverityWarning},
		{`{"incident_id": 1, "current_state": "open", "severity": "INFO"}`, alert.SeverityInfo},
		{`{"incident_id": 1, "current_state": "open"}`, alert.SeverityWarning},
	}
	for _, tt := range tests {
		t.Run(tt.body, func(t *testing.T) {
			a := parseOne(t, []byte(tt.body))
			if a.Severity != tt.want || a.Labels[alert.LabelSeverity] != string(tt.want) {
				t.Errorf("severity %s, label %q; want %s", a.Severity, a.Labels[alert.LabelSeverity], tt.want)
			}
		})
	}
}

func TestParse_TagsNeverOverrideNewRelicLabels(t *testing.T) {
	a := parseOne(t, []byte(`{"id": "i", "state": "ACTIVATED", "priority": "CRITICAL", "alertConditionNames": ["CPU"],
		"accumulations": {"tag.severity": ["low"], "tag.condition": ["x"], "tag.team": ["web"], "tag": {"team": ["nested"], "env": ["prod"]}}}`))
	want := map[string]string{"severity": "critical", "condition": "CPU", "team": "nested", "env": "prod", "priority": "critical"}
	for k, v := range want {
		if a.Labels[k] != v {
			t.Errorf("label %s = %q, want %q (labels %v)", k, a.Labels[k], v, a.Labels)
		}
	}
}

func TestParse_TooManyTagsAreDropped(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"id": "i", "state": "ACTIVATED", "accumulations": {`)
	for i := range 2 * alert.MaxLabels {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`"tag.t` + strconv.Itoa(i) + `": ["v"]`)
	}
	b.WriteString(`}}`)
	a := parseOne(t, []byte(b.String()))
	if len(a.Labels) != alert.MaxLabels {
		t.Errorf("%d labels, want %d", len(a.Labels), alert.MaxLabels)
	}
}

func TestLabelName(t *testing.T) {
	for in, want := range map[string]string{
		"team":          "team",
		"aws.awsRegion": "aws_awsRegion",
		"team-name":     "team_name",
		"2fa":           "_2fa",
		"環境":            "__",
		" env ":         "env",
		"":              "",
	} {
		if got := labelName(in); got != want {
			t.Errorf("labelName(%q) = %q, want %q", in, got, want)
		}
	}
	if got := labelName(strings.Repeat("a", 500)); len(got) != alert.MaxLabelNameLen {
		t.Errorf("long name kept %d bytes, want %d", len(got), alert.MaxLabelNameLen)
	}
}

func TestAccountFromURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://radar-api.service.newrelic.com/accounts/4420147/issues/c5faa7e6?notifier=WEBHOOK": "4420147",
		"https://alerts.newrelic.com/accounts/3942187/incidents/412837465":                         "3942187",
		"https://example.com/accounts/abc/issues/1":                                                "",
		"::not a url": "",
		"":            "",
	} {
		if got := accountFromURL(in); got != want {
			t.Errorf("accountFromURL(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParse_RejectsWhatCannotBeUnderstood(t *testing.T) {
	tests := []struct {
		name      string
		body      string
		wantField string
	}{
		{"empty body", ``, ""},
		{"blank body", " \r\n", ""},
		{"truncated JSON", `{"id": "9f1c", "state": "ACTI`, ""},
		{"malformed JSON", `{"id": "9f1c", "state": }`, ""},
		{"trailing data", `{"id": "i", "state": "CLOSED"} x`, ""},
		{"array instead of object", `[{"id": "i", "state": "CLOSED"}]`, "(root)"},
		{"string instead of object", `"CLOSED"`, "(root)"},
		{"empty object", `{}`, "state"},
		{"missing state", `{"id": "i", "title": "t"}`, "state"},
		{"unknown state", `{"id": "i", "state": "SNOOZED"}`, "state"},
		{"state not a scalar", `{"id": "i", "state": {"name": "ACTIVATED"}}`, "state"},
		{"id an object", `{"id": {"value": "i"}, "state": "ACTIVATED"}`, "id"},
		{"issueId a list", `{"issueId": ["i"], "state": "ACTIVATED"}`, "issueId"},
		{"workflow without identity", `{"state": "ACTIVATED", "title": "Something", "priority": "HIGH"}`, "issueId"},
		{"legacy missing current_state", `{"incident_id": 1, "condition_name": "CPU"}`, "current_state"},
		{"legacy unknown current_state", `{"incident_id": 1, "current_state": "escalated"}`, "current_state"},
		{"legacy incident_id an object", `{"incident_id": {"id": 1}, "current_state": "open"}`, "incident_id"},
		{"legacy without identity", `{"current_state": "open", "details": "CPU high"}`, "incident_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := testParser().Parse([]byte(tt.body))
			var e *source.Error
			if !errors.As(err, &e) {
				t.Fatalf("Parse = %d alerts, %v; want *source.Error", len(b.Alerts), err)
			}
			if e.Status != http.StatusBadRequest || e.Field != tt.wantField || e.Reason == "" {
				t.Errorf("Parse error = %d %q %q; want 400 on field %q with a reason", e.Status, e.Field, e.Reason, tt.wantField)
			}
		})
	}
}

// A field the alert can do without never loses it, whatever its JSON
// type: it is ignored and named in the answer. The New Relic employee's
// broken channel template that rendered targets as a string is the case
// that lost a page.
func TestParse_IgnoresUnreadableOptionalFields(t *testing.T) {
	tests := []struct {
		name      string
		body      string
		wantField string
	}{
		{"createdAt not a time", `{"id": "i", "state": "ACTIVATED", "createdAt": "yesterday"}`, "createdAt"},
		{"updatedAt an object", `{"id": "i", "state": "CLOSED", "updatedAt": {"ms": 1}}`, "updatedAt"},
		{"isCorrelated not a boolean", `{"id": "i", "state": "ACTIVATED", "isCorrelated": "maybe"}`, "isCorrelated"},
		{"priority an object", `{"id": "i", "state": "ACTIVATED", "priority": {}}`, "priority"},
		{"condition names an object", `{"id": "i", "state": "ACTIVATED", "alertConditionNames": {"a": 1}}`, "alertConditionNames"},
		{"entitiesData a string", `{"id": "i", "state": "ACTIVATED", "entitiesData": "web-1"}`, "entitiesData"},
		{"entitiesData names an object", `{"id": "i", "state": "ACTIVATED", "entitiesData": {"names": {}}}`, "entitiesData.names"},
		{"accumulations a list", `{"id": "i", "state": "ACTIVATED", "accumulations": ["tag.team"]}`, "accumulations"},
		{"legacy timestamp not a time", `{"incident_id": 1, "current_state": "open", "timestamp": "noon"}`, "timestamp"},
		{"legacy targets a string", `{"incident_id": 1, "current_state": "open", "targets": "[web-1]"}`, "targets"},
		{"legacy targets an object", `{"incident_id": 1, "current_state": "open", "targets": {"name": "web-1"}}`, "targets"},
		{"legacy target labels a list", `{"incident_id": 1, "current_state": "open", "targets": [{"labels": ["a"]}]}`, "targets[0].labels"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := testParser().Parse([]byte(tt.body))
			if err != nil {
				t.Fatalf("Parse: %v; want the alert with %s ignored", err, tt.wantField)
			}
			if len(b.Ignored) != 1 || b.Ignored[0].Field != tt.wantField || b.Ignored[0].Reason == "" {
				t.Errorf("Ignored = %+v, want %s with a reason", b.Ignored, tt.wantField)
			}
		})
	}
}

func TestParse_LegacyTargetsRenderedAsAStringStillPages(t *testing.T) {
	want := parseOne(t, readSample(t, "legacy_open"))
	a := parseOne(t, readSample(t, "legacy_custom_template"))
	if a.Fingerprint != want.Fingerprint || a.Status != want.Status || a.Name != want.Name {
		t.Errorf("custom template: %s %s %q; default template: %s %s %q", a.Fingerprint, a.Status, a.Name, want.Fingerprint, want.Status, want.Name)
	}
}

func TestParse_TruncatesLongValues(t *testing.T) {
	long := strings.Repeat("é", alert.MaxAnnotationLen)
	a := parseOne(t, []byte(`{"id": "i", "state": "ACTIVATED", "title": "`+long+`", "alertConditionNames": ["`+long+`"]}`))
	if n := len(a.Labels["condition"]); n > alert.MaxLabelValueLen {
		t.Errorf("condition label is %d bytes", n)
	}
	if n := len(a.Annotations["summary"]); n > alert.MaxAnnotationLen {
		t.Errorf("summary is %d bytes", n)
	}
	if len(a.Raw) > alert.MaxRawLen || !json.Valid(a.Raw) {
		t.Errorf("raw is %d bytes, valid JSON %v", len(a.Raw), json.Valid(a.Raw))
	}
}
