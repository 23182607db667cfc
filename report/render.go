package report

import (
	"embed"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strings"
	"text/template"
	"time"
)

//go:embed templates/*.tmpl
var templateFS embed.FS

// Formats a report can be written in.
const (
	FormatText     = "text"
	FormatMarkdown = "markdown"
	FormatJSON     = "json"
)

// templates are parsed once; they are immutable.
var templates = template.Must(template.New("").Funcs(template.FuncMap{
	"date":     func(t time.Time) string { return t.Format("2006-01-02") },
	"datetime": func(t time.Time) string { return t.Format("2006-01-02 15:04 MST") },
	"clock":    func(t time.Time) string { return clock(t) },
	"percent":  func(f float64) string { return fmt.Sprintf("%.1f%%", f*100) },
	"mins":     func(m Minutes) string { return fmtMinutes(m) },
	"between":  between,
	"join":     strings.Join,
}).ParseFS(templateFS, "templates/*.tmpl"))

func clock(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.Format("2006-01-02 15:04 MST")
}

// between is the time from a to b for a document, "—" if either is
// unknown.
func between(a, b time.Time) string {
	if a.IsZero() || b.IsZero() || b.Before(a) {
		return "—"
	}
	if d := b.Sub(a); d < time.Minute {
		return "<1 min"
	}
	return fmtMinutes(minutes(b.Sub(a)))
}

func fmtMinutes(m Minutes) string {
	if m == 0 {
		return "—"
	}
	if m < 120 {
		return fmt.Sprintf("%.0f min", float64(m))
	}
	return fmt.Sprintf("%.1f h", float64(m)/60)
}

// Write renders the report as text, markdown or json.
func (n Noise) Write(w io.Writer, format string, loc *time.Location) error {
	if format == FormatJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(n)
	}
	n.inLocation(loc)
	var b strings.Builder
	if err := templates.ExecuteTemplate(&b, "noise.md.tmpl", n); err != nil {
		return fmt.Errorf("render noise report: %w", err)
	}
	out := b.String()
	switch format {
	case FormatMarkdown:
	case FormatText:
		out = markdownToText(out)
	default:
		return fmt.Errorf("unknown format %q: want text, markdown or json", format)
	}
	_, err := io.WriteString(w, out)
	return err
}

func (n *Noise) inLocation(loc *time.Location) {
	if loc == nil {
		return
	}
	n.Since, n.Until = n.Since.In(loc), n.Until.In(loc)
	for i := range n.OutOfHours {
		n.OutOfHours[i].At = n.OutOfHours[i].At.In(loc)
	}
	for i := range n.NeverAcked {
		n.NeverAcked[i].Opened = n.NeverAcked[i].Opened.In(loc)
	}
}

var (
	mdHeading   = regexp.MustCompile(`(?m)^#+ `)
	mdRule      = regexp.MustCompile(`(?m)^\|[-:| ]+\|\n`)
	mdTableEdge = regexp.MustCompile(`(?m)^\| | \|$`)
)

// markdownToText strips the markdown a terminal would show literally.
func markdownToText(s string) string {
	s = mdHeading.ReplaceAllString(s, "")
	s = mdRule.ReplaceAllString(s, "")
	s = mdTableEdge.ReplaceAllString(s, "")
	return strings.ReplaceAll(s, " | ", "  ")
}
