package web

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/incident"
	"github.com/alertgate/alertgate/report"
	"github.com/alertgate/alertgate/web/session"
)

// TestVendoredUPlot_MatchesItsRecordedChecksums keeps the vendored chart
// library what VERSION says it is: the npm package's files, unchanged.
func TestVendoredUPlot_MatchesItsRecordedChecksums(t *testing.T) {
	f, err := staticFS.Open("static/vendor/uplot/VERSION")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	checked := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		sum, name, ok := strings.Cut(sc.Text(), "  ")
		if !ok || len(sum) != 64 {
			continue
		}
		b, err := staticFS.ReadFile("static/vendor/uplot/" + name)
		if err != nil {
			t.Fatal(err)
		}
		if got := sha256.Sum256(b); hex.EncodeToString(got[:]) != sum {
			t.Errorf("%s changed: sha256 %x, VERSION says %s", name, got, sum)
		}
		checked++
	}
	if checked != 2 {
		t.Errorf("checked %d files, want the script and the stylesheet", checked)
	}
	if _, err := staticFS.ReadFile("static/vendor/uplot/LICENSE"); err != nil {
		t.Errorf("uPlot's license is not shipped: %v", err)
	}
}

// TestRender_EveryPageEscapesAlertText renders each page with alert text
// that tries to inject markup.
func TestRender_EveryPageEscapesAlertText(t *testing.T) {
	r, err := NewRenderer()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 1, 13, 3, 0, 0, 0, time.UTC)
	evil := `<script>alert(1)</script>`
	inc := incident.Incident{ID: "g-1", Group: "g", Title: evil, Severity: alert.SeverityCritical, Service: "api", Receiver: "oncall", Opened: now.Add(-time.Hour), Status: incident.StatusOpen}
	member := incident.Member{Alert: alert.Alert{Name: evil, Status: alert.StatusFiring, Severity: alert.SeverityCritical, Labels: map[string]string{"alertname": evil}, GeneratorURL: "javascript:alert(1)"}}
	board := NewBoard([]incident.Incident{inc}, BoardFilter{}, now)
	board.Add(BoardItem{Incident: inc, Members: 1, Firing: 1, Sources: []string{evil}, Title: evil, Escalated: []string{evil}, OnCall: evil})
	in := report.Input{Since: now.Add(-24 * time.Hour), Until: now, Incidents: []report.IncidentRecord{{Incident: inc, Events: []incident.Event{{At: now, Type: incident.EventDetected, Alert: evil}}}}}
	pages := map[string]any{
		"now":      board,
		"incident": NewIncidentView(IncidentInput{Incident: inc, Members: []incident.Member{member}, GroupKnown: true, Events: []incident.Event{{At: now, Type: incident.EventDetected, Alert: evil, Detail: evil}}}),
		"silences": NewSilencesView([]incident.Silence{{ID: "s", Matchers: []string{`a="` + evil + `"`}, StartsAt: now, EndsAt: now.Add(time.Hour), CreatedBy: evil}}, nil, now),
		"noise":    NewNoiseView("1d", in, report.Build(in), time.UTC),
		"routing":  &RoutingView{Labels: evil, Explanation: evil, Verdict: evil},
		"whatif":   WhatIfView{Form: WhatIfForm{Config: evil}},
		"login": struct {
			Next, Name string
			Proxy      bool
		}{"/", evil, false},
		"draft": Document{Title: evil, Text: evil, Incident: "g-1"},
		"error": evil,
	}
	for name, data := range pages {
		t.Run(name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			r.Render(rec, http.StatusOK, name, &Page{Title: evil, User: session.User{Name: evil, Role: "operator"}, CSRF: "tok", Now: now, Data: data})
			body := rec.Body.String()
			if rec.Code != http.StatusOK || strings.Contains(body, evil) || strings.Contains(body, `href="javascript:`) {
				t.Errorf("page %s (%d) carries unescaped alert text:\n%.2000s", name, rec.Code, body)
			}
			if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
				t.Errorf("page %s has CSP %q", name, csp)
			}
		})
	}
}

func TestBoard_FiltersSortsAndPages(t *testing.T) {
	now := time.Date(2026, 1, 13, 3, 0, 0, 0, time.UTC)
	var all []incident.Incident
	for i := range 250 {
		all = append(all, incident.Incident{ID: string(rune('a'+i%26)) + string(rune('0'+i/26)), Service: []string{"api", "db"}[i%2], Severity: alert.SeverityWarning,
			Opened: now.Add(-time.Duration(i) * time.Minute), Status: incident.StatusOpen, AckedBy: map[bool]string{true: "x"}[i%5 == 0]})
	}
	all = append(all, incident.Incident{ID: "old", Status: incident.StatusResolved, ResolvedAt: now.Add(-48 * time.Hour), Opened: now.Add(-50 * time.Hour)})
	tests := []struct {
		f               BoardFilter
		matching, pages int
		first           string
	}{
		{BoardFilter{}, 250, 3, all[0].ID},
		{BoardFilter{Service: "db"}, 125, 2, all[1].ID},
		{BoardFilter{Status: BoardAcked}, 50, 1, all[0].ID},
		{BoardFilter{Status: BoardUnacked, Page: 2}, 200, 2, ""},
		{BoardFilter{Status: BoardResolved}, 0, 1, ""},
	}
	for _, tt := range tests {
		b := NewBoard(all, tt.f, now)
		if b.Matching != tt.matching || b.Pages != tt.pages || b.Open != 250 {
			t.Errorf("%+v: matching %d pages %d open %d, want %d %d 250", tt.f, b.Matching, b.Pages, b.Open, tt.matching, tt.pages)
		}
		if tt.first != "" && (len(b.Selected) == 0 || b.Selected[0].ID != tt.first) {
			t.Errorf("%+v: first %v, want %s (newest first)", tt.f, b.Selected[:min(1, len(b.Selected))], tt.first)
		}
	}
}
