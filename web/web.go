package web

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"net/http"
	"strings"
	"time"

	"github.com/alertgate/alertgate/web/session"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// pages are the console's pages; each is the layout plus one template.
var pages = []string{"login", "now", "incident", "silences", "noise", "routing", "whatif", "error", "draft"}

// Page is what every page shows: who is logged in, the form token, a
// message, and the page's own data.
type Page struct {
	Title string
	// Nav names the navigation entry to mark current.
	Nav  string
	User session.User
	// CSRF is the token every form carries.
	CSRF string
	// Flash is a success message, Error an error message shown at the
	// top; Field names the form field at fault.
	Flash, Error, Field string
	// Now is when the page was rendered; Loc the time zone times are
	// shown in (business_hours.location).
	Now time.Time
	Loc *time.Location
	// Data is the page's view model.
	Data any
}

// Clock formats t in the page's time zone: "2026-01-13 03:04 JST".
func (p *Page) Clock(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(p.location()).Format("2006-01-02 15:04 MST")
}

// ISO formats t as RFC 3339, for <time datetime>.
func (p *Page) ISO(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// Ago is how long before the page t was: "35m", "2h15m".
func (p *Page) Ago(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return Duration(p.Now.Sub(t))
}

// Until is how long after the page t is: "4m", "1h30m".
func (p *Page) Until(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return Duration(t.Sub(p.Now))
}

func (p *Page) location() *time.Location {
	if p.Loc == nil {
		return time.UTC
	}
	return p.Loc
}

// Renderer renders the console's pages.
type Renderer struct {
	pages map[string]*template.Template
}

// NewRenderer parses the embedded templates.
func NewRenderer() (*Renderer, error) {
	funcs := template.FuncMap{
		"json":     toJSON,
		"join":     strings.Join,
		"duration": Duration,
		"upper":    strings.ToUpper,
		"sevClass": severityClass,
		"percent":  func(f float64) float64 { return max(0, min(100, f*100)) },
		"list":     func(s ...string) []string { return s },
		"bytes":    formatBytes,
	}
	r := &Renderer{pages: map[string]*template.Template{}}
	for _, name := range pages {
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("console template %s: %w", name, err)
		}
		r.pages[name] = t
	}
	return r, nil
}

// Render writes page name with status code. A page renders into a
// buffer first, so a template error never leaves half a page.
func (r *Renderer) Render(w http.ResponseWriter, code int, name string, p *Page) {
	var buf bytes.Buffer
	t, ok := r.pages[name]
	if !ok {
		http.Error(w, "no console page "+name, http.StatusInternalServerError)
		return
	}
	if err := t.Execute(&buf, p); err != nil {
		http.Error(w, "rendering "+name+": "+err.Error(), http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	SecurityHeaders(h)
	w.WriteHeader(code)
	_, _ = buf.WriteTo(w)
}

// Fragment writes only the named block of a page (the Now page's board,
// for live refresh).
func (r *Renderer) Fragment(w io.Writer, name, block string, p *Page) error {
	t, ok := r.pages[name]
	if !ok {
		return fmt.Errorf("no console page %s", name)
	}
	return t.ExecuteTemplate(w, block, p)
}

// SecurityHeaders sets the headers every console response carries: no
// framing, no sniffing, scripts and styles only from the console itself.
func SecurityHeaders(h http.Header) {
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
}

// Static serves the embedded assets under /static/.
func Static() http.Handler {
	sub, _ := fs.Sub(staticFS, "static")
	files := http.FileServerFS(sub)
	return http.StripPrefix("/static/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		files.ServeHTTP(w, r)
	}))
}

func toJSON(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

// Duration is a short human duration: "<1m", "35m", "2h15m", "3d4h".
func Duration(d time.Duration) string {
	switch {
	case d < time.Minute:
		return "<1m"
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d/time.Minute))
	case d < 24*time.Hour:
		h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
		if m == 0 {
			return fmt.Sprintf("%dh", h)
		}
		return fmt.Sprintf("%dh%dm", h, m)
	}
	days, h := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour)
	if h == 0 {
		return fmt.Sprintf("%dd", days)
	}
	return fmt.Sprintf("%dd%dh", days, h)
}

func severityClass(s string) string {
	switch s {
	case "critical", "warning", "info":
		return "sev-" + s
	}
	return "sev-none"
}

func formatBytes(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
