package runbook

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// shipped is where the runbooks that ship with alertgate live.
const shipped = "../../runbooks"

// routedAlertNames are alert names a routing configuration would mention;
// every one of them must have a shipped runbook.
func routedAlertNames() []string {
	return []string{
		"KubePodCrashLooping", "KubeNodeNotReady", "HighErrorRate", "ErrorBudgetBurn",
		"LatencySLOBurnRateFast", "AuroraCPUHigh", "AuroraReplicaLagHigh",
		"NodeFilesystemAlmostOutOfSpace", "KubePersistentVolumeFillingUp",
		"CertManagerCertExpirySoon", "SQSOldestMessageTooOld", "TargetDown",
		"KubeJobFailed", "Error percentage (High)", "High error rate", "Apdex (Low)",
	}
}

func TestLint_ShippedRunbooksAreClean(t *testing.T) {
	r := Lint(shipped, routedAlertNames())
	for _, f := range r.Findings {
		if f.Severity != LevelInfo {
			t.Errorf("shipped runbooks: %s", f)
		}
	}
}

func TestLoad_ShipsACompleteRunbookForEveryProblem(t *testing.T) {
	rbs, err := Load(shipped)
	if err != nil {
		t.Fatal(err)
	}
	if len(rbs) < 12 {
		t.Errorf("Load found %d runbooks, want at least 12", len(rbs))
	}
	for _, rb := range rbs {
		if rb.Owner == "" || rb.Summary == "" || rb.Impact == "" || rb.EscalateTo == "" || len(rb.Steps) < 3 || rb.Severity == "" {
			t.Errorf("%s: runbook %q lacks owner, summary, impact, escalate_to, severity or at least 3 steps", rb.File, rb.ID)
		}
		if want := rb.ID + ".yaml"; filepath.Base(rb.File) != want {
			t.Errorf("runbook %q lives in %s, want %s", rb.ID, rb.File, want)
		}
	}
	if !slices.ContainsFunc(rbs, func(rb *Runbook) bool { return len(rb.SilenceDuring) > 0 }) {
		t.Error("no shipped runbook sets silence_during")
	}
}

func TestSchema_RunbooksCopyIsIdentical(t *testing.T) {
	theirs, err := os.ReadFile(filepath.Join(shipped, "schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	if string(theirs) != schemaJSON {
		t.Error("runbooks/schema.json differs from enrich/runbook/schema.json: edit the latter and run go generate ./enrich/runbook")
	}
}

// TestLint_ReportsEachProblemAtItsLine runs Lint over one fixture
// directory per class of problem and expects exactly these findings.
func TestLint_ReportsEachProblemAtItsLine(t *testing.T) {
	type want struct {
		file     string // relative to the fixture directory; "" for the directory itself
		line     int
		severity Level
		message  string // a substring of the message
	}
	tests := []struct {
		name  string
		dir   string
		names []string
		want  []want
	}{
		{"schema violations name the key", "schema", nil, []want{
			{"bad-types.yaml", 1, LevelError, `id: 'Bad_ID' does not match pattern`},
			{"bad-types.yaml", 2, LevelError, "title: got number, want string"},
			{"bad-types.yaml", 5, LevelError, "severity: value must be one of 'critical', 'warning', 'info'"},
			{"bad-types.yaml", 7, LevelError, "steps[0]: got number, want object or string"},
			{"missing-title.yaml", 1, LevelError, `missing required field "title"`},
		}},
		{"unknown fields are errors at their key", "unknown-field", nil, []want{
			{"typo.yaml", 5, LevelError, `unknown field "ownr"`},
			{"typo.yaml", 8, LevelError, `steps[0]: unknown field "cmd"`},
			{"typo.yaml", 12, LevelError, `links[0]: unknown field "tilte"`},
		}},
		{"a duplicate id names both files", "duplicate-id", nil, []want{
			{"b.yaml", 2, LevelError, `duplicate id "same": already used by testdata/broken/duplicate-id/a.yaml:1`},
		}},
		{"a matcher that does not parse", "bad-matcher", nil, []want{
			{"bad.yaml", 6, LevelError, `bad matcher "alertname=~\"(unclosed\""`},
		}},
		{"an invalid silence window", "bad-interval", nil, []want{
			{"night.yaml", 9, LevelError, "silence_during: start time cannot be equal or greater than end time"},
		}},
		{"overlaps: a tie warns, a refinement informs", "overlap", nil, []want{
			{"a.yaml", 4, LevelWarning, `runbooks "errors-a" and "errors-b" (testdata/broken/overlap/b.yaml:4) both match {alertname="HighErrorRate"} with equal specificity; "errors-a" wins only by id order`},
			{"c.yaml", 4, LevelInfo, `runbooks "errors-checkout" and "errors-a" (testdata/broken/overlap/a.yaml:4) both match {alertname="HighErrorRate", service="checkout"}; the more specific "errors-checkout" wins`},
			{"c.yaml", 4, LevelInfo, `runbooks "errors-checkout" and "errors-b" (testdata/broken/overlap/b.yaml:4)`},
		}},
		{"alert names without a runbook", "uncovered", []string{"KubePodCrashLooping", "DiskFull", "DiskFull", "PodCrashLooping"}, []want{
			{"", 0, LevelWarning, `no runbook covers alert "DiskFull"`},
		}},
		{"valid but questionable runbooks", "questionable", nil, []want{
			{"q.yaml", 1, LevelWarning, `runbook "questionable" has no steps`},
			{"q.yaml", 4, LevelWarning, `source="cloudwach" never matches`},
			{"q.yaml", 5, LevelWarning, "only negative matchers"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join("testdata", "broken", tt.dir)
			got := Lint(dir, tt.names).Findings
			if len(got) != len(tt.want) {
				t.Fatalf("Lint(%s) found %d findings, want %d:\n%s", dir, len(got), len(tt.want), Report{got}.String())
			}
			for i, w := range tt.want {
				file := dir
				if w.file != "" {
					file = filepath.Join(dir, w.file)
				}
				g := got[i]
				if g.File != file || g.Line != w.line || g.Severity != w.severity || !strings.Contains(g.Message, w.message) {
					t.Errorf("finding %d = %s\nwant %s:%d: %s: ...%s...", i, g, file, w.line, w.severity, w.message)
				}
			}
		})
	}
}

func TestLint_InvalidYAMLIsAnErrorWithALine(t *testing.T) {
	r := Lint("testdata/broken/yaml-syntax", nil)
	if len(r.Findings) != 1 {
		t.Fatalf("findings:\n%s", r)
	}
	f := r.Findings[0]
	if f.File != "testdata/broken/yaml-syntax/indent.yaml" || f.Line < 1 || f.Severity != LevelError || !strings.HasPrefix(f.Message, "invalid YAML: ") {
		t.Errorf("finding = %s", f)
	}
}

func TestLoad_FailsOnAnyErrorAndNamesFileAndLine(t *testing.T) {
	tests := []struct {
		dir  string
		want string
	}{
		{"schema", "testdata/broken/schema/bad-types.yaml:2: error: title: got number, want string"},
		{"unknown-field", `testdata/broken/unknown-field/typo.yaml:5: error: unknown field "ownr"`},
		{"duplicate-id", "testdata/broken/duplicate-id/b.yaml:2: error: duplicate id"},
		{"bad-matcher", "testdata/broken/bad-matcher/bad.yaml:6: error: bad matcher"},
		{"bad-interval", "testdata/broken/bad-interval/night.yaml:9: error: silence_during"},
		{"yaml-syntax", "testdata/broken/yaml-syntax/indent.yaml:"},
		{"multi-doc", "testdata/broken/multi-doc/two.yaml:6: error: a second YAML document: put one runbook per file"},
		{"empty", "testdata/broken/empty/empty.yaml:1: error: empty file: want one runbook"},
		{"does-not-exist", "testdata/broken/does-not-exist: error: list runbooks"},
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			rbs, err := Load(filepath.Join("testdata", "broken", tt.dir))
			if err == nil || rbs != nil {
				t.Fatalf("Load = %d runbooks, %v; want an error", len(rbs), err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Load error:\n%v\nwant it to contain %q", err, tt.want)
			}
		})
	}
}

func TestLoad_WarningsDoNotFailTheLoad(t *testing.T) {
	for _, dir := range []string{"overlap", "questionable", "uncovered"} {
		if _, err := Load(filepath.Join("testdata", "broken", dir)); err != nil {
			t.Errorf("Load(%s) = %v, want only warnings", dir, err)
		}
	}
}

func TestLoad_ASingleFileIsADirectoryOfOne(t *testing.T) {
	rbs, err := Load(filepath.Join(shipped, "http-5xx-ratio.yaml"))
	if err != nil || len(rbs) != 1 || rbs[0].ID != "http-5xx-ratio" {
		t.Fatalf("Load(file) = %v, %v", rbs, err)
	}
}

func TestLoad_AcceptsBothStepForms(t *testing.T) {
	rbs, err := Load("testdata/broken/uncovered")
	if err != nil {
		t.Fatal(err)
	}
	if got := rbs[0].Steps; len(got) != 1 || got[0] != (Step{Text: "Do it"}) {
		t.Errorf("plain-string step = %#v", got)
	}
	rb := loadOne(t, "kube-pod-crashlooping")
	if s := rb.Steps[2]; !strings.HasPrefix(s.Text, "Read the logs") || !strings.Contains(s.Command, "--previous") {
		t.Errorf("mapping step = %#v", s)
	}
}

func TestReport_WriteAndHasErrors(t *testing.T) {
	r := Report{Findings: []Finding{
		{File: "runbooks/a.yaml", Line: 3, Severity: LevelError, Message: "bad"},
		{File: "runbooks", Severity: LevelWarning, Message: "uncovered"},
	}}
	var b bytes.Buffer
	if err := r.Write(&b); err != nil {
		t.Fatal(err)
	}
	if want := "runbooks/a.yaml:3: error: bad\nrunbooks: warning: uncovered\n"; b.String() != want {
		t.Errorf("Write = %q, want %q", b.String(), want)
	}
	if !r.HasErrors() || (Report{Findings: r.Findings[1:]}).HasErrors() {
		t.Error("HasErrors does not tell errors from warnings")
	}
}

// loadOne returns the shipped runbook with the given id.
func loadOne(t testing.TB, id string) *Runbook {
	t.Helper()
	rbs, err := Load(shipped)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(rbs, func(rb *Runbook) bool { return rb.ID == id })
	if i < 0 {
		t.Fatalf("no shipped runbook %q", id)
	}
	return rbs[i]
}
