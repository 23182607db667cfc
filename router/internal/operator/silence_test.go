package operator

import (
	"errors"
	"testing"
	"time"

	"github.com/alertgate/alertgate/incident"
	"github.com/alertgate/alertgate/router/source"
)

func TestCheckSilence_CompletesAValidSilence(t *testing.T) {
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		name       string
		in         incident.Silence
		duration   string
		start, end time.Time
	}{
		{"a Go duration, from now", incident.Silence{Matchers: []string{`service="api"`}, CreatedBy: "ana"}, "1h30m", now, now.Add(90 * time.Minute)},
		{"a Prometheus duration", incident.Silence{Matchers: []string{`service="api"`}, CreatedBy: "ana"}, "2d", now, now.Add(48 * time.Hour)},
		{"a start in the past starts now", incident.Silence{Matchers: []string{`{alertname=~"Disk.*", env!="dev"}`}, CreatedBy: "ana",
			StartsAt: now.Add(-time.Hour), EndsAt: now.Add(time.Hour)}, "", now, now.Add(time.Hour)},
		{"a start in the future is kept, and the duration counts from it", incident.Silence{Matchers: []string{`service="api"`}, CreatedBy: "ana",
			StartsAt: now.Add(time.Hour)}, "30m", now.Add(time.Hour), now.Add(90 * time.Minute)},
		{"the longest allowed", incident.Silence{Matchers: []string{`service="api"`}, CreatedBy: "ana"}, "90d", now, now.Add(maxSilence)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := tt.in
			if err := CheckSilence(&s, tt.duration, now); err != nil {
				t.Fatalf("CheckSilence: %v", err)
			}
			if !s.StartsAt.Equal(tt.start) || !s.EndsAt.Equal(tt.end) || s.ID == "" {
				t.Errorf("silence = %s – %s, ID %q; want %s – %s and an ID", s.StartsAt, s.EndsAt, s.ID, tt.start, tt.end)
			}
		})
	}
}

func TestCheckSilence_NamesTheFieldAtFault(t *testing.T) {
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	valid := incident.Silence{Matchers: []string{`service="api"`}, CreatedBy: "ana"}
	for _, tt := range []struct {
		name     string
		edit     func(*incident.Silence)
		duration string
		field    string
	}{
		{"no matcher", func(s *incident.Silence) { s.Matchers = nil }, "1h", "matchers"},
		{"an empty matcher list", func(s *incident.Silence) { s.Matchers = []string{"{}"} }, "1h", "matchers"},
		{"a malformed matcher", func(s *incident.Silence) { s.Matchers = []string{`service=~"("`} }, "1h", "matchers"},
		{"nobody creates it", func(s *incident.Silence) { s.CreatedBy = "" }, "1h", "createdBy"},
		{"a duration that is not one", func(*incident.Silence) {}, "soon", "duration"},
		{"a negative duration", func(*incident.Silence) {}, "-1h", "duration"},
		{"no end and no duration", func(*incident.Silence) {}, "", "endsAt"},
		{"an end before the start", func(s *incident.Silence) { s.EndsAt = now.Add(-time.Minute) }, "", "endsAt"},
		{"longer than 90 days", func(*incident.Silence) {}, "91d", "endsAt"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := valid
			s.Matchers = append([]string(nil), valid.Matchers...)
			tt.edit(&s)
			err := CheckSilence(&s, tt.duration, now)
			var se *source.Error
			if !errors.As(err, &se) || se.Field != tt.field || se.Status != 400 {
				t.Fatalf("CheckSilence = %v, want a 400 naming %s", err, tt.field)
			}
			if s.ID != "" {
				t.Errorf("a refused silence got ID %q", s.ID)
			}
		})
	}
}
