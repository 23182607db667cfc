package alert

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func valid() Alert {
	a := Alert{
		Source:      SourceAlertmanager,
		Name:        "HighErrorRate",
		Status:      StatusFiring,
		Severity:    SeverityCritical,
		Labels:      map[string]string{"service": "api"},
		StartsAt:    time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC),
		Fingerprint: NewFingerprint(SourceAlertmanager, "x"),
	}
	a.Normalize()
	return a
}

func TestNormalize_FillsWellKnownLabelsWithoutOverwriting(t *testing.T) {
	a := valid()
	if a.Labels[LabelAlertName] != "HighErrorRate" || a.Labels[LabelSeverity] != "critical" || a.Labels[LabelSource] != "alertmanager" {
		t.Errorf("labels = %v, want alertname, severity and source filled", a.Labels)
	}
	b := Alert{Name: "X", Severity: SeverityCritical, Source: SourceAlertmanager, Labels: map[string]string{"severity": "page"}}
	b.Normalize()
	if b.Labels["severity"] != "page" {
		t.Errorf("the sender's severity label was overwritten: %v", b.Labels)
	}
}

func TestNormalize_RemovesNULFromNameAndAnnotations(t *testing.T) {
	a := Alert{Name: "Disk\x00Full", Severity: SeverityCritical, Source: SourceAlertmanager,
		Annotations: map[string]string{"summary": "disk\x00 full"}}
	a.Normalize()
	if a.Name != "DiskFull" || a.Labels[LabelAlertName] != "DiskFull" || a.Annotations["summary"] != "disk full" {
		t.Errorf("name %q, alertname %q, summary %q; want the NUL bytes gone", a.Name, a.Labels[LabelAlertName], a.Annotations["summary"])
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(*Alert)
		field string
	}{
		{"valid", func(*Alert) {}, ""},
		{"unknown source", func(a *Alert) { a.Source = "zabbix" }, "source"},
		{"no name", func(a *Alert) { a.Name = "" }, "name"},
		{"bad status", func(a *Alert) { a.Status = "pending" }, "status"},
		{"bad severity", func(a *Alert) { a.Severity = "page" }, "severity"},
		{"no fingerprint", func(a *Alert) { a.Fingerprint = "" }, "fingerprint"},
		{"no start", func(a *Alert) { a.StartsAt = time.Time{} }, "startsAt"},
		{"long label value", func(a *Alert) { a.Labels["x"] = strings.Repeat("v", MaxLabelValueLen+1) }, "labels.x"},
		{"empty label name", func(a *Alert) { a.Labels[""] = "v" }, "labels"},
		{"too many labels", func(a *Alert) {
			for i := range MaxLabels {
				a.Labels[string(rune('a'+i%26))+strings.Repeat("x", i)] = "v"
			}
		}, "labels"},
		{"missing alertname label", func(a *Alert) { delete(a.Labels, LabelAlertName) }, "labels.alertname"},
		{"NUL in a label value", func(a *Alert) { a.Labels["x"] = "a\x00b" }, "labels.x"},
		{"NUL in a label name", func(a *Alert) { a.Labels["a\x00b"] = "v" }, "labels"},
		{"newline in a label name", func(a *Alert) { a.Labels["a\nb"] = "v" }, "labels"},
		{"invalid UTF-8 label name", func(a *Alert) { a.Labels["a\xffb"] = "v" }, "labels"},
		{"invalid UTF-8 label value", func(a *Alert) { a.Labels["x"] = "a\xffb" }, "labels.x"},
		{"UTF-8 label name (Prometheus 3)", func(a *Alert) { a.Labels["service.name"] = "checkout" }, ""},
		{"non-ASCII label name", func(a *Alert) { a.Labels["サービス"] = "checkout" }, ""},
		{"DEL in a label name", func(a *Alert) { a.Labels["a\x7fb"] = "v" }, "labels"},
		{"C1 control character in a label name", func(a *Alert) { a.Labels["a\u0085b"] = "v" }, "labels"},
		{"NUL in the name", func(a *Alert) { a.Name = "a\x00b" }, "name"},
		{"long annotation", func(a *Alert) { a.Annotations = map[string]string{"d": strings.Repeat("d", MaxAnnotationLen+1)} }, "annotations.d"},
		// Of several invalid labels the first by name is named, whatever
		// the map's order (a fuzz find: two parsers named different ones).
		{"several invalid labels", func(a *Alert) {
			for _, k := range []string{"m", "z", "b", "q", "d", "w"} {
				a.Labels[k] = "v\x00"
			}
		}, "labels.b"},
		{"several long annotations", func(a *Alert) {
			a.Annotations = map[string]string{}
			for _, k := range []string{"m", "z", "c", "q", "x", "w"} {
				a.Annotations[k] = strings.Repeat("d", MaxAnnotationLen+1)
			}
		}, "annotations.c"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := valid()
			tt.edit(&a)
			err := a.Validate()
			if tt.field == "" {
				if err != nil {
					t.Fatalf("Validate = %v, want nil", err)
				}
				return
			}
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != tt.field || !errors.Is(err, ErrInvalid) {
				t.Errorf("Validate = %v, want a FieldError on %q wrapping ErrInvalid", err, tt.field)
			}
		})
	}
}

func TestNewFingerprint_StableAndSeparated(t *testing.T) {
	a := NewFingerprint(SourceCloudWatch, "arn:aws:cloudwatch:ap-northeast-1:1:alarm:x")
	if a != NewFingerprint(SourceCloudWatch, "arn:aws:cloudwatch:ap-northeast-1:1:alarm:x") {
		t.Error("fingerprint is not deterministic")
	}
	if len(a) != 16 {
		t.Errorf("fingerprint %q is not 16 hex characters", a)
	}
	if NewFingerprint(SourceNewRelic, "ab", "c") == NewFingerprint(SourceNewRelic, "a", "bc") {
		t.Error("identity parts are not separated")
	}
	if NewFingerprint(SourceNewRelic, "1") == NewFingerprint(SourceCloudWatch, "1") {
		t.Error("the same identity at two sources collides")
	}
}

func TestLabelsIdentity_IgnoresOrder(t *testing.T) {
	x := LabelsIdentity(map[string]string{"a": "1", "b": "2"})
	y := LabelsIdentity(map[string]string{"b": "2", "a": "1"})
	if x != y || x == LabelsIdentity(map[string]string{"a": "12"}) {
		t.Errorf("identities: %q %q", x, y)
	}
}

func TestTruncate_KeepsUTF8Valid(t *testing.T) {
	s := strings.Repeat("障害", 100)
	for n := 0; n < 20; n++ {
		got := Truncate(s, n)
		if len(got) > n || !utf8.ValidString(got) {
			t.Errorf("Truncate(_, %d) = %q (%d bytes)", n, got, len(got))
		}
	}
	if Truncate("short", 10) != "short" {
		t.Error("a short string was changed")
	}
}

func TestSetRaw_AlwaysValidAndBounded(t *testing.T) {
	var a Alert
	a.SetRaw([]byte(`{"k":"v"}`))
	if string(a.Raw) != `{"k":"v"}` {
		t.Errorf("small raw = %s", a.Raw)
	}
	a.SetRaw([]byte(`{"k":"` + strings.Repeat("x", 2*MaxRawLen) + `"}`))
	if len(a.Raw) > MaxRawLen || !json.Valid(a.Raw) {
		t.Errorf("large raw is %d bytes, valid JSON %v", len(a.Raw), json.Valid(a.Raw))
	}
}

func TestParseSeverity(t *testing.T) {
	for in, want := range map[string]Severity{"CRITICAL": SeverityCritical, "page": SeverityCritical, " warning ": SeverityWarning, "Info": SeverityInfo, "low": SeverityInfo} {
		if got, ok := ParseSeverity(in); !ok || got != want {
			t.Errorf("ParseSeverity(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	if _, ok := ParseSeverity("purple"); ok {
		t.Error("an unknown severity was recognized")
	}
	if SeverityWarning.Max(SeverityCritical) != SeverityCritical || SeverityInfo.Max(SeverityWarning) != SeverityWarning {
		t.Error("Max does not order severities")
	}
}
