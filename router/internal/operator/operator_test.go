package operator

import (
	"bufio"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/alertgate/alertgate/incident"
	"github.com/alertgate/alertgate/internal/audit"
	"github.com/alertgate/alertgate/router/store"
	"github.com/alertgate/alertgate/router/store/memory"
)

// newAuditFile returns an audit log writing to log and to a file of the
// test's own, and the file's path (auditEntries reads it back).
func newAuditFile(t *testing.T, log *slog.Logger) (*audit.Log, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	l, err := audit.New(log, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l, path
}

// auditEntries reads the audit file at path.
func auditEntries(t *testing.T, path string) []audit.Entry {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []audit.Entry
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var e audit.Entry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("audit line %q: %v", sc.Text(), err)
		}
		out = append(out, e)
	}
	return out
}

// TestSilences_AreAuditedAndNotedOnTheirIncident makes a silence from an
// incident, expires it, and expires one that does not exist: each is
// audited with its result, and the incident's timeline has the silence
// and its expiry.
func TestSilences_AreAuditedAndNotedOnTheirIncident(t *testing.T) {
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	st := memory.New(store.Options{})
	log := slog.New(slog.DiscardHandler)
	auditLog, path := newAuditFile(t, log)
	changes := 0
	a := &Actions{Store: st, Audit: auditLog, Log: log, Now: func() time.Time { return now },
		Changed: func() { changes++ }}
	ctx := t.Context()
	ana := Actor{User: "ana", Role: "operator", Via: "console", Remote: "192.0.2.1:5000"}

	s := incident.Silence{Matchers: []string{`service="api"`}, CreatedBy: "ana", Comment: "deploy",
		CreatedAt: now, Incident: "inc-1"}
	if err := CheckSilence(&s, "1h", now); err != nil {
		t.Fatal(err)
	}
	if err := a.SaveSilence(ctx, s, ana); err != nil {
		t.Fatalf("SaveSilence: %v", err)
	}
	if changes != 1 {
		t.Errorf("Changed called %d times after a silence was made, want 1", changes)
	}
	if list, err := st.Silences(ctx, now); err != nil || len(list) != 1 || list[0].ID != s.ID || !list[0].Active(now) {
		t.Fatalf("silences = %+v, %v; want the new one, active", list, err)
	}

	now = now.Add(10 * time.Minute)
	if err := a.ExpireSilence(ctx, s.ID, ana); err != nil {
		t.Fatalf("ExpireSilence: %v", err)
	}
	if list, _ := st.Silences(ctx, now); len(list) == 1 && list[0].Active(now) {
		t.Errorf("silence %s still active after it was expired", s.ID)
	}
	unknown := a.ExpireSilence(ctx, "no-such-silence", ana)
	if !errors.Is(unknown, store.ErrNotFound) {
		t.Fatalf("expiring an unknown silence: %v, want store.ErrNotFound", unknown)
	}

	_, events, ok, err := st.Incident(ctx, "inc-1")
	if err != nil || !ok {
		t.Fatalf("incident inc-1: found %v, %v", ok, err)
	}
	var details []string
	for _, ev := range events {
		if ev.Type != incident.EventSilenced || ev.Actor != "ana" {
			t.Errorf("timeline event %+v, want a silenced event by ana", ev)
		}
		details = append(details, ev.Detail)
	}
	if len(details) != 2 || !strings.Contains(details[0], "silence "+s.ID+" from the console until 2026-12-03 13:00Z") ||
		details[1] != "silence "+s.ID+" expired from the console" {
		t.Errorf("timeline = %q, want the silence and its expiry", details)
	}

	entries := auditEntries(t, path)
	if len(entries) != 3 {
		t.Fatalf("audit = %+v, want 3 entries", entries)
	}
	for i, want := range []struct{ action, target, result string }{
		{"silence", s.ID, "ok"}, {"expire", s.ID, "ok"}, {"expire", "no-such-silence", unknown.Error()},
	} {
		e := entries[i]
		if e.Action != want.action || e.Target != want.target || e.Result != want.result ||
			e.User != "ana" || e.Role != "operator" || e.Via != "console" || e.Remote != "192.0.2.1:5000" {
			t.Errorf("audit entry %d = %+v, want %s of %s by ana from the console: %s", i, e, want.action, want.target, want.result)
		}
	}
	if !strings.Contains(entries[0].Detail, `service="api"`) || !strings.Contains(entries[0].Detail, "deploy") {
		t.Errorf("audit of the silence says %q, want its matchers and comment", entries[0].Detail)
	}
}

// TestExpireFromAPI_AnswersWhatHappened: 404 naming the id for an
// unknown silence, nothing written for one that expired.
func TestExpireFromAPI_AnswersWhatHappened(t *testing.T) {
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	st := memory.New(store.Options{})
	a := &Actions{Store: st, Log: slog.New(slog.DiscardHandler), Now: func() time.Time { return now }}
	s := incident.Silence{Matchers: []string{`service="api"`}, CreatedBy: "ana", CreatedAt: now}
	if err := CheckSilence(&s, "1h", now); err != nil {
		t.Fatal(err)
	}
	if err := a.SaveSilence(t.Context(), s, Actor{User: "ana"}); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("DELETE /silence/{id}", func(w http.ResponseWriter, r *http.Request) {
		if a.ExpireFromAPI(w, r, ActorOf(r, "", "api")) {
			w.WriteHeader(http.StatusNoContent)
		}
	})
	for _, tt := range []struct {
		id   string
		code int
		body string
	}{
		{s.ID, http.StatusNoContent, ""},
		{"no-such-silence", http.StatusNotFound, "no silence no-such-silence"},
	} {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest(http.MethodDelete, "/silence/"+tt.id, nil))
		if rec.Code != tt.code || !strings.Contains(rec.Body.String(), tt.body) {
			t.Errorf("DELETE %s = %d %q, want %d with %q", tt.id, rec.Code, rec.Body.String(), tt.code, tt.body)
		}
		if tt.code == http.StatusNotFound && !strings.Contains(rec.Body.String(), `"id"`) {
			t.Errorf("404 body %q does not name the field id", rec.Body.String())
		}
	}
}
