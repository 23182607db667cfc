package operator

import (
	"time"

	"github.com/prometheus/common/model"

	"github.com/alertgate/alertgate/incident"
	"github.com/alertgate/alertgate/router/pipeline"
	"github.com/alertgate/alertgate/router/source"
	"github.com/alertgate/alertgate/rules"
)

// maxSilence is the longest a silence may last.
const maxSilence = 90 * 24 * time.Hour

// CheckSilence validates a silence about to be made and completes it: it
// starts now when its start is unset or past, ends after duration when
// one is given, and gets a new ID. The error is a *source.Error naming
// the field at fault.
func CheckSilence(s *incident.Silence, duration string, now time.Time) error {
	ms, err := rules.ParseMatchers(s.Matchers)
	switch {
	case err != nil:
		return source.BadRequest("matchers", "%v", err)
	case len(ms) == 0:
		return source.BadRequest("matchers", "at least one matcher is required: a silence must not mute everything")
	case s.CreatedBy == "":
		return source.BadRequest("createdBy", "say who creates the silence")
	}
	if s.StartsAt.IsZero() || s.StartsAt.Before(now) {
		s.StartsAt = now
	}
	if duration != "" {
		d, err := parseDuration(duration)
		if err != nil || d <= 0 {
			return source.BadRequest("duration", "want a positive duration like 1h, 30m or 2d, got %q", duration)
		}
		s.EndsAt = s.StartsAt.Add(d)
	}
	switch {
	case s.EndsAt.IsZero():
		return source.BadRequest("endsAt", "set endsAt or duration")
	case !s.EndsAt.After(s.StartsAt):
		return source.BadRequest("endsAt", "must be after startsAt")
	case s.EndsAt.Sub(s.StartsAt) > maxSilence:
		return source.BadRequest("endsAt", "a silence may last at most %s", model.Duration(maxSilence))
	}
	s.ID = pipeline.NewID()
	return nil
}

// parseDuration reads Go durations (1h30m, 1.5h) and Prometheus ones
// (2d, 1w).
func parseDuration(s string) (time.Duration, error) {
	if d, err := time.ParseDuration(s); err == nil {
		return d, nil
	}
	d, err := model.ParseDuration(s)
	return time.Duration(d), err
}
