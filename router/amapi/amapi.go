// Package amapi serves the Alertmanager API v2 silence endpoints, in
// Alertmanager's JSON shapes, so that amtool and other Alertmanager tools
// manage alertgate's silences: amtool silence add|query|expire|update
// --alertmanager.url=… (with the admin token as its bearer credentials).
package amapi

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/alertmanager/matcher/compat"
	"github.com/prometheus/alertmanager/pkg/labels"

	"github.com/alertgate/alertgate/config"
	"github.com/alertgate/alertgate/incident"
	"github.com/alertgate/alertgate/router/internal/httpx"
	"github.com/alertgate/alertgate/router/internal/operator"
	"github.com/alertgate/alertgate/router/source"
	"github.com/alertgate/alertgate/router/store"
	"github.com/alertgate/alertgate/rules"
	"github.com/alertgate/alertgate/web"
)

// Deps are what the API works with. Every field is required.
type Deps struct {
	// Actions makes and expires silences, audited.
	Actions *operator.Actions
	// Store lists the silences.
	Store store.Silences
	Now   func() time.Time
	// Config is the running configuration: server.max_body_bytes bounds
	// a request's body.
	Config func() *config.Config
}

// API serves the endpoints.
type API struct {
	deps Deps
}

// New returns the API on d.
func New(d Deps) *API { return &API{deps: d} }

// Routes registers the endpoints on mux, each wrapped by guard (the admin
// token's check).
func (a *API) Routes(mux *http.ServeMux, guard func(http.HandlerFunc) http.HandlerFunc) {
	mux.HandleFunc("GET /api/v2/silences", guard(a.handleList))
	mux.HandleFunc("POST /api/v2/silences", guard(a.handlePost))
	mux.HandleFunc("GET /api/v2/silence/{id}", guard(a.handleGet))
	mux.HandleFunc("DELETE /api/v2/silence/{id}", guard(a.handleDelete))
}

// Matcher is Alertmanager API v2's matcher object.
type Matcher struct {
	Name    string `json:"name"`
	Value   string `json:"value"`
	IsRegex bool   `json:"isRegex"`
	IsEqual *bool  `json:"isEqual"`
}

// String writes m in Alertmanager's matcher syntax: name="value", with
// =~, != or !~.
func (m Matcher) String() string {
	op := "="
	if m.IsRegex {
		op = "=~"
	}
	if m.IsEqual != nil && !*m.IsEqual {
		op = strings.Replace(op, "=", "!", 1)
		if !m.IsRegex {
			op = "!="
		}
	}
	b, _ := json.Marshal(m.Value)
	return m.Name + op + string(b)
}

// silence is Alertmanager's postableSilence and gettableSilence.
type silence struct {
	ID        string          `json:"id,omitempty"`
	Matchers  []Matcher       `json:"matchers"`
	StartsAt  source.FlexTime `json:"startsAt"`
	EndsAt    source.FlexTime `json:"endsAt"`
	CreatedBy string          `json:"createdBy"`
	Comment   string          `json:"comment"`
	// Read-only fields of gettableSilence.
	Status    *status    `json:"status,omitempty"`
	UpdatedAt *time.Time `json:"updatedAt,omitempty"`
}

type status struct {
	State string `json:"state"`
}

// matcherOf converts a parsed matcher to Alertmanager's JSON shape.
func matcherOf(m *labels.Matcher) Matcher {
	eq := m.Type == labels.MatchEqual || m.Type == labels.MatchRegexp
	return Matcher{Name: m.Name, Value: m.Value, IsRegex: m.Type == labels.MatchRegexp || m.Type == labels.MatchNotRegexp, IsEqual: &eq}
}

func toAM(s *incident.Silence, now time.Time) silence {
	out := silence{ID: s.ID, StartsAt: source.FlexTime{Time: s.StartsAt}, EndsAt: source.FlexTime{Time: s.EndsAt},
		CreatedBy: s.CreatedBy, Comment: s.Comment, Status: &status{State: web.SilenceState(s, now)}, Matchers: []Matcher{}}
	updated := s.CreatedAt
	if !s.EndsAt.After(now) && s.EndsAt.After(updated) {
		updated = s.EndsAt
	}
	out.UpdatedAt = &updated
	if ms, err := rules.ParseMatchers(s.Matchers); err == nil {
		for _, m := range ms {
			out.Matchers = append(out.Matchers, matcherOf(m))
		}
	}
	return out
}

// handleList serves GET /api/v2/silences?filter=…: every
// silence, or those having every filter matcher (Alertmanager's
// semantics), active first.
func (a *API) handleList(w http.ResponseWriter, r *http.Request) {
	var filter labels.Matchers
	for _, f := range r.URL.Query()["filter"] {
		m, err := compat.Matcher(f, "api")
		if err != nil {
			httpx.WriteError(w, http.StatusBadRequest, "filter", "bad matcher "+strconv.Quote(f)+": "+err.Error())
			return
		}
		filter = append(filter, m)
	}
	now := a.deps.Now()
	list, err := a.deps.Store.Silences(r.Context(), now)
	if err != nil {
		httpx.WriteError(w, http.StatusServiceUnavailable, "", "the state store is unavailable; retry")
		return
	}
	out := []silence{}
	for i := range list {
		if hasMatchers(&list[i], filter) {
			out = append(out, toAM(&list[i], now))
		}
	}
	rank := map[string]int{web.StateActive: 0, web.StatePending: 1, web.StateExpired: 2}
	slices.SortStableFunc(out, func(a, b silence) int { return rank[a.Status.State] - rank[b.Status.State] })
	httpx.WriteJSON(w, http.StatusOK, out)
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

// handleGet serves GET /api/v2/silence/{id}.
func (a *API) handleGet(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	now := a.deps.Now()
	s, ok, err := a.findSilence(r, id, now)
	switch {
	case err != nil:
		httpx.WriteError(w, http.StatusServiceUnavailable, "", "the state store is unavailable; retry")
	case !ok:
		httpx.WriteError(w, http.StatusNotFound, "id", "no silence "+id)
	default:
		httpx.WriteJSON(w, http.StatusOK, toAM(&s, now))
	}
}

func (a *API) findSilence(r *http.Request, id string, now time.Time) (incident.Silence, bool, error) {
	list, err := a.deps.Store.Silences(r.Context(), now)
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

// handlePost serves POST /api/v2/silences: a new silence, or,
// with the id of an existing one, its replacement (Alertmanager's update:
// the old one expires and the new one gets a new ID). It answers
// {"silenceID": …}.
func (a *API) handlePost(w http.ResponseWriter, r *http.Request) {
	body, ok := httpx.ReadBody(w, r, a.deps.Config().Server.MaxBodyBytes)
	if !ok {
		return
	}
	now := a.deps.Now()
	var in silence
	if err := source.DecodeJSON(body, &in); err != nil {
		httpx.WriteSourceError(w, err)
		return
	}
	s := incident.Silence{StartsAt: in.StartsAt.Time, EndsAt: in.EndsAt.Time, CreatedBy: strings.TrimSpace(in.CreatedBy), Comment: in.Comment, CreatedAt: now}
	for i, m := range in.Matchers {
		if m.Name == "" {
			httpx.WriteError(w, http.StatusBadRequest, "matchers["+strconv.Itoa(i)+"].name", "a matcher needs a label name")
			return
		}
		s.Matchers = append(s.Matchers, m.String())
	}
	if in.EndsAt.Time.IsZero() || !in.EndsAt.Time.After(now) {
		httpx.WriteError(w, http.StatusBadRequest, "endsAt", "end time can't be in the past")
		return
	}
	if err := operator.CheckSilence(&s, "", now); err != nil {
		httpx.WriteSourceError(w, err)
		return
	}
	if in.ID != "" {
		old, found, err := a.findSilence(r, in.ID, now)
		switch {
		case err != nil:
			httpx.WriteError(w, http.StatusServiceUnavailable, "", "the state store is unavailable; retry")
			return
		case !found:
			httpx.WriteError(w, http.StatusNotFound, "id", "no silence "+in.ID+" to update")
			return
		}
		s.Incident = old.Incident
	}
	who := operator.ActorOf(r, s.CreatedBy, "api v2")
	if err := a.deps.Actions.SaveSilence(r.Context(), s, who); err != nil {
		httpx.WriteError(w, http.StatusServiceUnavailable, "", "the state store is unavailable; retry")
		return
	}
	// The replacement exists before the old one ends, so the alerts stay
	// silenced throughout an update.
	if in.ID != "" {
		if err := a.deps.Actions.ExpireSilence(r.Context(), in.ID, who); err != nil && !errors.Is(err, store.ErrNotFound) {
			httpx.WriteError(w, http.StatusServiceUnavailable, "", "silence "+s.ID+" created but the old one could not be expired; expire "+in.ID+" and retry")
			return
		}
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]string{"silenceID": s.ID})
}

// handleDelete serves DELETE /api/v2/silence/{id}.
func (a *API) handleDelete(w http.ResponseWriter, r *http.Request) {
	if a.deps.Actions.ExpireFromAPI(w, r, operator.ActorOf(r, "", "api v2")) {
		w.WriteHeader(http.StatusOK)
	}
}
