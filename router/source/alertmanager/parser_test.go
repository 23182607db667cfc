package alertmanager

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/alertmanager/template"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/internal/golden"
	"github.com/alertgate/alertgate/router/source"
)

// testNow is the fixed clock of every test: shortly after the samples'
// alerts started.
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

func mustParse(t testing.TB, p Parser, body []byte) source.Batch {
	t.Helper()
	b, err := p.Parse(body)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return b
}

func TestParse_SamplesMatchGoldenFiles(t *testing.T) {
	for _, name := range []string{
		"firing_group",
		"firing_group_ha_peer",
		"resolved_group",
		"mixed_group",
		"truncated_group",
		"old_alertmanager",
	} {
		t.Run(name, func(t *testing.T) {
			b := mustParse(t, testParser(), readSample(t, name))
			golden.AssertJSON(t, name, b.Alerts)
		})
	}
}

func TestReceive_IsParse(t *testing.T) {
	body := readSample(t, "mixed_group")
	got, err := testParser().Receive(context.Background(), http.Header{}, body)
	if err != nil {
		t.Fatal(err)
	}
	want := mustParse(t, testParser(), body)
	gj, _ := json.Marshal(got)
	wj, _ := json.Marshal(want)
	if !bytes.Equal(gj, wj) {
		t.Errorf("Receive = %s\nParse = %s", gj, wj)
	}
}

func TestParse_ReportsTruncatedAlerts(t *testing.T) {
	tests := []struct {
		name string
		body []byte
		want int
	}{
		{"max_alerts cut the group", readSample(t, "truncated_group"), 5},
		{"nothing cut", readSample(t, "firing_group"), 0},
		{"field absent in old Alertmanager", readSample(t, "old_alertmanager"), 0},
		{"absurd count is clamped", []byte(`{"truncatedAlerts": 18446744073709551615, "alerts": [{"labels": {"a": "b"}}]}`), math.MaxInt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := mustParse(t, testParser(), tt.body).Truncated; got != tt.want {
				t.Errorf("Truncated = %d, want %d", got, tt.want)
			}
		})
	}
}

func fingerprints(t testing.TB, p Parser, body []byte) []alert.Fingerprint {
	t.Helper()
	var fps []alert.Fingerprint
	for _, a := range mustParse(t, p, body).Alerts {
		fps = append(fps, a.Fingerprint)
	}
	return fps
}

func TestParse_HATwinsShareFingerprints(t *testing.T) {
	a := fingerprints(t, testParser(), readSample(t, "firing_group"))
	b := fingerprints(t, testParser(), readSample(t, "firing_group_ha_peer"))
	if len(a) != 2 || a[0] != b[0] || a[1] != b[1] {
		t.Errorf("HA peers gave %v and %v, want the same two fingerprints", a, b)
	}
	if a[0] == a[1] {
		t.Errorf("two different alerts share fingerprint %s", a[0])
	}
}

func TestParse_ResendSharesFingerprints(t *testing.T) {
	later := Parser{Now: func() time.Time { return testNow.Add(4 * time.Hour) }}
	first := fingerprints(t, testParser(), readSample(t, "firing_group"))
	again := fingerprints(t, later, readSample(t, "firing_group"))
	if len(first) != len(again) || first[0] != again[0] || first[1] != again[1] {
		t.Errorf("re-send gave %v, first send %v", again, first)
	}
}

func TestParse_OldAlertmanagerWithoutFingerprintFieldMatchesNewOne(t *testing.T) {
	old := fingerprints(t, testParser(), readSample(t, "old_alertmanager"))
	current := fingerprints(t, testParser(), readSample(t, "firing_group"))
	if old[0] != current[0] {
		t.Errorf("old Alertmanager gave %s, current one %s for the same labels", old[0], current[0])
	}
}

// TestLabelFingerprint_MatchesAlertmanagersOwn checks the fallback against
// the fingerprint field of every sample; resolved_group carries labels and
// the fingerprint Alertmanager computed for them in a real deployment.
func TestLabelFingerprint_MatchesAlertmanagersOwn(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.json")
	for _, f := range files {
		if strings.HasSuffix(f, ".golden.json") {
			continue
		}
		t.Run(filepath.Base(f), func(t *testing.T) {
			body, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var msg message
			if err := json.Unmarshal(body, &msg); err != nil {
				t.Fatal(err)
			}
			for i, raw := range msg.Alerts {
				ta, err := decodeAlert(raw)
				if err != nil {
					t.Fatal(err)
				}
				if ta.Fingerprint.Value == "" {
					continue
				}
				if got := labelFingerprint(ta.Labels); got != ta.Fingerprint.Value {
					t.Errorf("alerts[%d]: computed %s, Alertmanager sent %s", i, got, ta.Fingerprint.Value)
				}
			}
		})
	}
}

func TestParse_DerivesMissingFields(t *testing.T) {
	past := testNow.Add(-time.Minute).Format(time.RFC3339)
	future := testNow.Add(time.Hour).Format(time.RFC3339)
	tests := []struct {
		name        string
		body        string
		wantStatus  alert.Status
		wantName    string
		wantStarts  time.Time
		wantEnds    time.Time
		wantSev     alert.Severity
		wantSevText string
	}{
		{
			name:       "status from an endsAt in the past",
			body:       `{"alerts": [{"labels": {"alertname": "A"}, "startsAt": "2026-03-04T04:00:00Z", "endsAt": "` + past + `"}]}`,
			wantStatus: alert.StatusResolved, wantName: "A", wantSev: alert.SeverityWarning, wantSevText: "warning",
			wantStarts: time.Date(2026, 3, 4, 4, 0, 0, 0, time.UTC), wantEnds: testNow.Add(-time.Minute),
		},
		{
			name:       "unknown status falls back to endsAt",
			body:       `{"alerts": [{"status": "pending", "labels": {"alertname": "A"}, "startsAt": "2026-03-04T04:00:00Z", "endsAt": "` + past + `"}]}`,
			wantStatus: alert.StatusResolved, wantName: "A", wantSev: alert.SeverityWarning, wantSevText: "warning",
			wantStarts: time.Date(2026, 3, 4, 4, 0, 0, 0, time.UTC), wantEnds: testNow.Add(-time.Minute),
		},
		{
			name:       "status from the group when endsAt is in the future",
			body:       `{"status": "firing", "alerts": [{"labels": {"alertname": "A"}, "startsAt": "2026-03-04T04:00:00Z", "endsAt": "` + future + `"}]}`,
			wantStatus: alert.StatusFiring, wantName: "A", wantSev: alert.SeverityWarning, wantSevText: "warning",
			wantStarts: time.Date(2026, 3, 4, 4, 0, 0, 0, time.UTC),
		},
		{
			name:       "resolved group without endsAt ends now",
			body:       `{"status": "resolved", "alerts": [{"labels": {"alertname": "A"}, "startsAt": "2026-03-04T04:00:00Z"}]}`,
			wantStatus: alert.StatusResolved, wantName: "A", wantSev: alert.SeverityWarning, wantSevText: "warning",
			wantStarts: time.Date(2026, 3, 4, 4, 0, 0, 0, time.UTC), wantEnds: testNow,
		},
		{
			name:       "no status anywhere is firing",
			body:       `{"alerts": [{"labels": {"alertname": "A", "severity": "info"}, "startsAt": "2026-03-04T04:00:00Z"}]}`,
			wantStatus: alert.StatusFiring, wantName: "A", wantSev: alert.SeverityInfo, wantSevText: "info",
			wantStarts: time.Date(2026, 3, 4, 4, 0, 0, 0, time.UTC),
		},
		{
			name:       "status is case-insensitive",
			body:       `{"alerts": [{"status": " Resolved ", "labels": {"alertname": "A"}, "startsAt": "2026-03-04T04:00:00Z", "endsAt": "2026-03-04T04:30:00Z"}]}`,
			wantStatus: alert.StatusResolved, wantName: "A", wantSev: alert.SeverityWarning, wantSevText: "warning",
			wantStarts: time.Date(2026, 3, 4, 4, 0, 0, 0, time.UTC), wantEnds: time.Date(2026, 3, 4, 4, 30, 0, 0, time.UTC),
		},
		{
			name:       "firing alert drops a future endsAt",
			body:       `{"alerts": [{"status": "firing", "labels": {"alertname": "A"}, "startsAt": "2026-03-04T04:00:00Z", "endsAt": "` + future + `"}]}`,
			wantStatus: alert.StatusFiring, wantName: "A", wantSev: alert.SeverityWarning, wantSevText: "warning",
			wantStarts: time.Date(2026, 3, 4, 4, 0, 0, 0, time.UTC),
		},
		{
			name:       "missing and zero startsAt is now",
			body:       `{"alerts": [{"status": "firing", "labels": {"alertname": "A"}, "startsAt": "0001-01-01T00:00:00Z"}]}`,
			wantStatus: alert.StatusFiring, wantName: "A", wantSev: alert.SeverityWarning, wantSevText: "warning",
			wantStarts: testNow,
		},
		{
			name:       "name from commonLabels",
			body:       `{"commonLabels": {"alertname": "Common"}, "alerts": [{"status": "firing", "labels": {"instance": "a:9100"}}]}`,
			wantStatus: alert.StatusFiring, wantName: "Common", wantSev: alert.SeverityWarning, wantSevText: "warning",
			wantStarts: testNow,
		},
		{
			name:       "no alertname anywhere",
			body:       `{"alerts": [{"status": "firing", "labels": {"instance": "a:9100"}}]}`,
			wantStatus: alert.StatusFiring, wantName: "unnamed", wantSev: alert.SeverityWarning, wantSevText: "warning",
			wantStarts: testNow,
		},
		{
			name:       "sender's severity label is kept",
			body:       `{"alerts": [{"status": "firing", "labels": {"alertname": "A", "severity": "page"}}]}`,
			wantStatus: alert.StatusFiring, wantName: "A", wantSev: alert.SeverityCritical, wantSevText: "page",
			wantStarts: testNow,
		},
		{
			name:       "unknown severity is warning but kept",
			body:       `{"alerts": [{"status": "firing", "labels": {"alertname": "A", "severity": "whenever"}}]}`,
			wantStatus: alert.StatusFiring, wantName: "A", wantSev: alert.SeverityWarning, wantSevText: "whenever",
			wantStarts: testNow,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := mustParse(t, testParser(), []byte(tt.body))
			a := b.Alerts[0]
			if a.Status != tt.wantStatus || a.Name != tt.wantName || a.Severity != tt.wantSev {
				t.Errorf("status, name, severity = %s, %q, %s; want %s, %q, %s", a.Status, a.Name, a.Severity, tt.wantStatus, tt.wantName, tt.wantSev)
			}
			if !a.StartsAt.Equal(tt.wantStarts) || !a.EndsAt.Equal(tt.wantEnds) {
				t.Errorf("startsAt, endsAt = %v, %v; want %v, %v", a.StartsAt, a.EndsAt, tt.wantStarts, tt.wantEnds)
			}
			if got := a.Labels[alert.LabelSeverity]; got != tt.wantSevText {
				t.Errorf("severity label = %q, want %q", got, tt.wantSevText)
			}
			if a.Labels[alert.LabelAlertName] != tt.wantName || a.Labels[alert.LabelSource] != "alertmanager" {
				t.Errorf("well-known labels missing: %v", a.Labels)
			}
		})
	}
}

func TestParse_TruncatesLongAnnotations(t *testing.T) {
	long := strings.Repeat("x", 3*alert.MaxAnnotationLen)
	body := `{"alerts": [{"labels": {"alertname": "A"}, "annotations": {"description": "` + long + `"}}]}`
	a := mustParse(t, testParser(), []byte(body)).Alerts[0]
	if n := len(a.Annotations["description"]); n > alert.MaxAnnotationLen || n < alert.MaxAnnotationLen-8 {
		t.Errorf("annotation is %d bytes, want about %d", n, alert.MaxAnnotationLen)
	}
	if len(a.Raw) > alert.MaxRawLen {
		t.Errorf("raw is %d bytes, want at most %d", len(a.Raw), alert.MaxRawLen)
	}
	// A name taken from commonLabels is copied into the alertname label.
	body = `{"commonLabels": {"alertname": "` + long + `"}, "alerts": [{"labels": {"instance": "a"}}]}`
	a = mustParse(t, testParser(), []byte(body)).Alerts[0]
	if len(a.Name) > alert.MaxLabelValueLen || a.Labels[alert.LabelAlertName] != a.Name {
		t.Errorf("name is %d bytes, alertname label %d bytes", len(a.Name), len(a.Labels[alert.LabelAlertName]))
	}
}

// Labels are the alert's identity: a value cut to fit would make two
// alerts one, so a label over the limit is refused, never truncated.
func TestParse_RefusesALabelValueOverTheLimitInsteadOfTruncatingIt(t *testing.T) {
	long := strings.Repeat("x", alert.MaxLabelValueLen+1)
	body := `{"alerts": [{"labels": {"alertname": "A", "query": "` + long + `"}}]}`
	_, err := testParser().Parse([]byte(body))
	var e *source.Error
	if !errors.As(err, &e) || e.Status != http.StatusBadRequest || e.Field != "alerts[0].labels.query" {
		t.Fatalf("Parse = %v; want 400 naming alerts[0].labels.query", err)
	}
}

func TestParse_KeepsTheFirstAnnotationsByNameBeyondTheLimit(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"alerts": [{"labels": {"alertname": "A"}, "annotations": {`)
	for i := range alert.MaxAnnotations + 5 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"a%03d": "v"`, i)
	}
	b.WriteString(`}}]}`)
	batch := mustParse(t, testParser(), []byte(b.String()))
	a := batch.Alerts[0]
	if len(a.Annotations) != alert.MaxAnnotations || a.Annotations["a000"] == "" || a.Annotations[fmt.Sprintf("a%03d", alert.MaxAnnotations)] != "" {
		t.Errorf("%d annotations kept, want the first %d by name", len(a.Annotations), alert.MaxAnnotations)
	}
	if len(batch.Ignored) != 1 || batch.Ignored[0].Field != "alerts[0].annotations" {
		t.Errorf("Ignored = %+v, want alerts[0].annotations", batch.Ignored)
	}
}

// Fields an alert can do without are ignored, and named in the answer,
// whatever their type.
func TestParse_IgnoresUnreadableOptionalFields(t *testing.T) {
	tests := []struct {
		name, body, wantField string
	}{
		{"annotation value not a string", `{"alerts": [{"labels": {"a": "b"}, "annotations": {"x": true}}]}`, "alerts[0].annotations.x"},
		{"annotations a list", `{"alerts": [{"labels": {"a": "b"}, "annotations": ["x"]}]}`, "alerts[0].annotations"},
		{"startsAt a number", `{"alerts": [{"labels": {"a": "b"}, "startsAt": 1772600767000}]}`, "alerts[0].startsAt"},
		{"endsAt garbage", `{"alerts": [{"labels": {"a": "b"}, "startsAt": "2026-03-04T05:06:07Z", "endsAt": "soon"}]}`, "alerts[0].endsAt"},
		{"fingerprint not a string", `{"alerts": [{"labels": {"a": "b"}, "fingerprint": 12}]}`, "alerts[0].fingerprint"},
		{"generatorURL an object", `{"alerts": [{"labels": {"a": "b"}, "generatorURL": {}}]}`, "alerts[0].generatorURL"},
		{"group status not a string", `{"status": false, "alerts": [{"labels": {"a": "b"}}]}`, "status"},
		{"commonLabels not an object", `{"commonLabels": "a=b", "alerts": [{"labels": {"a": "b"}}]}`, "commonLabels"},
		{"groupKey not a string", `{"groupKey": 7, "alerts": [{"labels": {"a": "b"}}]}`, "groupKey"},
		{"externalURL a list", `{"externalURL": [], "alerts": [{"labels": {"a": "b"}}]}`, "externalURL"},
		{"truncatedAlerts negative", `{"truncatedAlerts": -1, "alerts": [{"labels": {"a": "b"}}]}`, "truncatedAlerts"},
		{"truncatedAlerts a string", `{"truncatedAlerts": "3", "alerts": [{"labels": {"a": "b"}}]}`, "truncatedAlerts"},
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
			if want := alert.NewFingerprint(alert.SourceAlertmanager, labelFingerprint(template.KV{"a": "b"})); b.Alerts[0].Fingerprint != want {
				t.Errorf("fingerprint %s, want %s from the labels", b.Alerts[0].Fingerprint, want)
			}
		})
	}
}

// alertsBody returns a notification with n minimal alerts.
func alertsBody(n int) []byte {
	var b strings.Builder
	b.WriteString(`{"alerts": [`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"labels": {"alertname": "A", "i": "` + strconv.Itoa(i) + `"}}`)
	}
	b.WriteString(`]}`)
	return []byte(b.String())
}

func manyLabels(n int) string {
	var b strings.Builder
	b.WriteString(`{"alerts": [{"labels": {`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`"l` + strconv.Itoa(i) + `": "v"`)
	}
	b.WriteString(`}}]}`)
	return b.String()
}

func TestParse_RejectsWhatCannotBeUnderstood(t *testing.T) {
	tests := []struct {
		name       string
		parser     Parser
		body       string
		wantStatus int
		wantField  string
	}{
		{"empty body", testParser(), "", 400, ""},
		{"blank body", testParser(), " \n\t", 400, ""},
		{"truncated JSON", testParser(), `{"version": "4", "alerts": [{"labels": {"a`, 400, ""},
		{"malformed JSON", testParser(), `{"alerts": [}`, 400, ""},
		{"trailing data", testParser(), `{"alerts": [{"labels": {"a": "b"}}]} {}`, 400, ""},
		{"array instead of object", testParser(), `[{"labels": {"a": "b"}}]`, 400, "(root)"},
		{"missing alerts", testParser(), `{"version": "4", "status": "firing"}`, 400, "alerts"},
		{"null alerts", testParser(), `{"alerts": null}`, 400, "alerts"},
		{"empty alerts", testParser(), `{"alerts": []}`, 400, "alerts"},
		{"alerts not a list", testParser(), `{"alerts": {"labels": {"a": "b"}}}`, 400, "alerts"},
		{"alert not an object", testParser(), `{"alerts": [{"labels": {"a": "b"}}, "firing"]}`, 400, "alerts[1]"},
		{"alert without labels", testParser(), `{"alerts": [{"status": "firing"}]}`, 400, "alerts[0].labels"},
		{"null alert", testParser(), `{"alerts": [null]}`, 400, "alerts[0].labels"},
		{"alert with empty labels", testParser(), `{"alerts": [{"labels": {"a": "b"}}, {"labels": {}}]}`, 400, "alerts[1].labels"},
		{"label value not a string", testParser(), `{"alerts": [{"labels": {"a": 1}}]}`, 400, "alerts[0].labels"},
		{"labels not an object", testParser(), `{"alerts": [{"labels": ["a"]}]}`, 400, "alerts[0].labels"},
		{"alert status not a string", testParser(), `{"alerts": [{"status": 1, "labels": {"a": "b"}}]}`, 400, "alerts[0].status"},
		{"label value longer than 1024 bytes", testParser(), `{"alerts": [{"labels": {"a": "b", "query": "` + strings.Repeat("x", alert.MaxLabelValueLen+1) + `"}}]}`, 400, "alerts[0].labels.query"},
		{"NUL in a label value", testParser(), `{"alerts": [{"labels": {"alertname": "Disk\u0000Full"}}]}`, 400, "alerts[0].labels.alertname"},
		{"NUL in a label name", testParser(), `{"alerts": [{"labels": {"a\u0000b": "c"}}]}`, 400, "alerts[0].labels"},
		{"control character in a label name", testParser(), `{"alerts": [{"labels": {"a\nb": "c"}}]}`, 400, "alerts[0].labels"},
		{"empty label name", testParser(), `{"alerts": [{"labels": {"": "b"}}]}`, 400, "alerts[0].labels"},
		{"too many labels", testParser(), manyLabels(alert.MaxLabels + 1), 400, "alerts[0].labels"},
		{"more alerts than MaxAlerts", Parser{Now: testParser().Now, MaxAlerts: 2}, string(alertsBody(3)), 413, "alerts"},
		{"more alerts than the default limit", testParser(), string(alertsBody(DefaultMaxAlerts + 1)), 413, "alerts"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := tt.parser.Parse([]byte(tt.body))
			var e *source.Error
			if !errors.As(err, &e) {
				t.Fatalf("Parse = %d alerts, %v; want *source.Error", len(b.Alerts), err)
			}
			if e.Status != tt.wantStatus || e.Field != tt.wantField || e.Reason == "" {
				t.Errorf("Parse error = %d %q %q; want %d on field %q with a reason", e.Status, e.Field, e.Reason, tt.wantStatus, tt.wantField)
			}
		})
	}
}

func TestParse_AcceptsExactlyMaxAlerts(t *testing.T) {
	p := Parser{Now: testParser().Now, MaxAlerts: 3}
	if n := len(mustParse(t, p, alertsBody(3)).Alerts); n != 3 {
		t.Errorf("got %d alerts, want 3", n)
	}
}

// TestParse_RawIsItsAlertsOwnPiece checks that an alert's Raw, a piece of
// the request's body, is its alert's bytes alone: appending to it (as
// json.RawMessage users may) does not write into the body or the next
// alert's Raw.
func TestParse_RawIsItsAlertsOwnPiece(t *testing.T) {
	body := []byte(`{"alerts":[{"labels":{"alertname":"A"}},{"labels":{"alertname":"B"}}]}`)
	orig := string(body)
	batch, err := testParser().Parse(body)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(batch.Alerts[0].Raw); got != `{"labels":{"alertname":"A"}}` {
		t.Fatalf("alerts[0].Raw = %s", got)
	}
	_ = append(batch.Alerts[0].Raw, "XXXXXXXX"...)
	if string(body) != orig {
		t.Errorf("appending to alerts[0].Raw changed the body: %s", body)
	}
	if got := string(batch.Alerts[1].Raw); got != `{"labels":{"alertname":"B"}}` {
		t.Errorf("alerts[1].Raw = %s after appending to alerts[0].Raw", got)
	}
}
