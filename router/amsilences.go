package router

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/alertmanager/matcher/compat"
	"github.com/prometheus/alertmanager/pkg/labels"

	"github.com/alertgate/alertgate/incident"
	"github.com/alertgate/alertgate/router/source"
	"github.com/alertgate/alertgate/router/store"
	"github.com/alertgate/alertgate/rules"
	"github.com/alertgate/alertgate/web"
)

// The Alertmanager API v2 silence endpoints, in Alertmanager's JSON
// shapes, so that amtool and other Alertmanager tools manage alertgate's
// silences: amtool silence add|query|expire|update --alertmanager.url=…
// (with the admin token as its bearer credentials).

// amSilence is Alertmanager's postableSilence and gettableSilence.
type amSilence struct {
	ID        string          `json:"id,omitempty"`
	Matchers  []amMatcher     `json:"matchers"`
	StartsAt  source.FlexTime `json:"startsAt"`
	EndsAt    source.FlexTime `json:"endsAt"`
	CreatedBy string          `json:"createdBy"`
	Comment   string          `json:"comment"`
	// Read-only fields of gettableSilence.
	Status    *amStatus  `json:"status,omitempty"`
	UpdatedAt *time.Time `json:"updatedAt,omitempty"`
}

type amStatus struct {
	State string `json:"state"`
}

// amMatcherOf converts a parsed matcher to Alertmanager's JSON shape.
func amMatcherOf(m *labels.Matcher) amMatcher {
	eq := m.Type == labels.MatchEqual || m.Type == labels.MatchRegexp
	return amMatcher{Name: m.Name, Value: m.Value, IsRegex: m.Type == labels.MatchRegexp || m.Type == labels.MatchNotRegexp, IsEqual: &eq}
}

func toAM(s *incident.Silence, now time.Time) amSilence {
	out := amSilence{ID: s.ID, StartsAt: source.FlexTime{Time: s.StartsAt}, EndsAt: source.FlexTime{Time: s.EndsAt},
		CreatedBy: s.CreatedBy, Comment: s.Comment, Status: &amStatus{State: web.SilenceState(s, now)}, Matchers: []amMatcher{}}
	updated := s.CreatedAt
	if !s.EndsAt.After(now) && s.EndsAt.After(updated) {
		updated = s.EndsAt
	}
	out.UpdatedAt = &updated
	if ms, err := rules.ParseMatchers(s.Matchers); err == nil {
		for _, m := range ms {
			out.Matchers = append(out.Matchers, amMatcherOf(m))
		}
	}
	return out
}

// handleAMListSilences serves GET /api/v2/silences?filter=…: every
// silence, or those having every filter matcher (Alertmanager's
// semantics), active first.
func (rt *Router) handleAMListSilences(w http.ResponseWriter, r *http.Request) {
	var filter labels.Matchers
	for _, f := range r.URL.Query()["filter"] {
		m, err := compat.Matcher(f, "api")
		if err != nil {
			writeError(w, http.StatusBadRequest, "filter", "bad matcher "+strconv.Quote(f)+": "+err.Error())
			return
		}
		filter = append(filter, m)
	}
	now := rt.opts.Now()
	list, err := rt.opts.Store.Silences(r.Context(), now)
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, "", "the state store is unavailable; retry")
		return
	}
	out := []amSilence{}
	for i := range list {
		if hasMatchers(&list[i], filter) {
			out = append(out, toAM(&list[i], now))
		}
	}
	rank := map[string]int{web.StateActive: 0, web.StatePending: 1, web.StateExpired: 2}
	slices.SortStableFunc(out, func(a, b amSilence) int { return rank[a.Status.State] - rank[b.Status.State] })
	writeJSON(w, http.StatusOK, out)
}

// hasMatchers reports whether s has a matcher equal to each of filter.
func hasMatchers(s *incident.Silence, filter labels.Matchers) bool {
	if len(filter) == 0 {
		return true
	}
	ms, err := rules.ParseMatchers(s.Matchers)
	if err != nil {
		return false
	}
	for _, f := range filter {
		if !slices.ContainsFunc(ms, func(m *labels.Matcher) bool { return m.Name == f.Name && m.Type == f.Type && m.Value == f.Value }) {
			return false
		}
	}
	return true
}

// handleAMGetSilence serves GET /api/v2/silence/{id}.
func (rt *Router) handleAMGetSilence(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	now := rt.opts.Now()
	s, ok, err := rt.findSilence(r, id, now)
	switch {
	case err != nil:
		writeError(w, http.StatusServiceUnavailable, "", "the state store is unavailable; retry")
	case !ok:
		writeError(w, http.StatusNotFound, "id", "no silence "+id)
	default:
		writeJSON(w, http.StatusOK, toAM(&s, now))
	}
}

func (rt *Router) findSilence(r *http.Request, id string, now time.Time) (incident.Silence, bool, error) {
	list, err := rt.opts.Store.Silences(r.Context(), now)
	if err != nil {
		return incident.Silence{}, false, err
	}
	for _, s := range list {
		if s.ID == id {
			return s, true, nil
		}
	}
	return incident.Silence{}, false, nil
}

// handleAMPostSilence serves POST /api/v2/silences: a new silence, or,
// with the id of an existing one, its replacement (Alertmanager's update:
// the old one expires and the new one gets a new ID). It answers
// {"silenceID": …}.
func (rt *Router) handleAMPostSilence(w http.ResponseWriter, r *http.Request) {
	body, ok := rt.readBody(w, r)
	if !ok {
		return
	}
	now := rt.opts.Now()
	var in amSilence
	if err := source.DecodeJSON(body, &in); err != nil {
		writeSourceError(w, err)
		return
	}
	s := incident.Silence{StartsAt: in.StartsAt.Time, EndsAt: in.EndsAt.Time, CreatedBy: strings.TrimSpace(in.CreatedBy), Comment: in.Comment, CreatedAt: now}
	for i, m := range in.Matchers {
		if m.Name == "" {
			writeError(w, http.StatusBadRequest, "matchers["+strconv.Itoa(i)+"].name", "a matcher needs a label name")
			return
		}
		s.Matchers = append(s.Matchers, m.String())
	}
	if in.EndsAt.Time.IsZero() || !in.EndsAt.Time.After(now) {
		writeError(w, http.StatusBadRequest, "endsAt", "end time can't be in the past")
		return
	}
	if err := checkSilence(&s, "", now); err != nil {
		writeSourceError(w, err)
		return
	}
	if in.ID != "" {
		old, found, err := rt.findSilence(r, in.ID, now)
		switch {
		case err != nil:
			writeError(w, http.StatusServiceUnavailable, "", "the state store is unavailable; retry")
			return
		case !found:
			writeError(w, http.StatusNotFound, "id", "no silence "+in.ID+" to update")
			return
		}
		s.Incident = old.Incident
	}
	a := actorOf(r, s.CreatedBy, "api v2")
	if err := rt.saveSilence(r.Context(), s, a); err != nil {
		writeError(w, http.StatusServiceUnavailable, "", "the state store is unavailable; retry")
		return
	}
	// The replacement exists before the old one ends, so the alerts stay
	// silenced throughout an update.
	if in.ID != "" {
		if err := rt.expireSilence(r.Context(), in.ID, a); err != nil && !errors.Is(err, store.ErrNotFound) {
			writeError(w, http.StatusServiceUnavailable, "", "silence "+s.ID+" created but the old one could not be expired; expire "+in.ID+" and retry")
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]string{"silenceID": s.ID})
}

// handleAMDeleteSilence serves DELETE /api/v2/silence/{id}.
func (rt *Router) handleAMDeleteSilence(w http.ResponseWriter, r *http.Request) {
	if rt.apiExpire(w, r, actorOf(r, "", "api v2")) {
		w.WriteHeader(http.StatusOK)
	}
}

// writeSourceError answers a validation error with its status and field.
func writeSourceError(w http.ResponseWriter, err error) {
	var se *source.Error
	if errors.As(err, &se) {
		writeError(w, se.Status, se.Field, se.Reason)
		return
	}
	writeError(w, http.StatusBadRequest, "", err.Error())
}
