package runbook

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Level is how serious a finding is.
type Level string

// The levels of a finding. Errors make Load fail and `alertgate runbooks
// lint` exit 1; warnings and infos are advice.
const (
	LevelError   Level = "error"
	LevelWarning Level = "warning"
	LevelInfo    Level = "info"
)

// Finding is one problem Lint found, at a place in a file.
type Finding struct {
	// File is the runbook file, or the linted directory for findings that
	// belong to no file (an alert no runbook covers).
	File string `json:"file"`
	// Line is 1-based; 0 when the finding has no line.
	Line int `json:"line,omitempty"`
	// Severity is error, warning or info.
	Severity Level `json:"severity"`
	// Message says what is wrong and, where it can, what to do.
	Message string `json:"message"`
}

// String formats the finding as "file:line: severity: message", the shape
// editors and CI problem matchers recognize.
func (f Finding) String() string {
	if f.Line <= 0 {
		return fmt.Sprintf("%s: %s: %s", f.File, f.Severity, f.Message)
	}
	return fmt.Sprintf("%s:%d: %s: %s", f.File, f.Line, f.Severity, f.Message)
}

// Report is everything Lint found, ordered by file and line.
type Report struct {
	Findings []Finding `json:"findings"`
}

// HasErrors reports whether any finding is an error.
func (r Report) HasErrors() bool { return r.Count(LevelError) > 0 }

// Count returns how many findings have the given level.
func (r Report) Count(l Level) int {
	n := 0
	for _, f := range r.Findings {
		if f.Severity == l {
			n++
		}
	}
	return n
}

// Write prints one finding per line.
func (r Report) Write(w io.Writer) error {
	for _, f := range r.Findings {
		if _, err := fmt.Fprintln(w, f.String()); err != nil {
			return fmt.Errorf("write lint report: %w", err)
		}
	}
	return nil
}

// String returns the findings as Write prints them.
func (r Report) String() string {
	var b strings.Builder
	_ = r.Write(&b) // a strings.Builder does not fail
	return b.String()
}

// sortFindings orders findings by file, line and message, and drops exact
// duplicates (a schema error can reach the same place by two paths).
func sortFindings(fs []Finding) []Finding {
	slices.SortFunc(fs, func(a, b Finding) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line), cmp.Compare(a.Message, b.Message))
	})
	return slices.Compact(fs)
}

func errorsOf(fs []Finding) []Finding {
	var out []Finding
	for _, f := range fs {
		if f.Severity == LevelError {
			out = append(out, f)
		}
	}
	return out
}
