// Package operator carries out what people do to incidents and silences
// through the console, the operator API and the Alertmanager-compatible
// API: whichever door an action comes through, it is validated the same
// way, audited, logged and noted on the incident's timeline.
package operator

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/alertgate/alertgate/incident"
	"github.com/alertgate/alertgate/internal/audit"
	"github.com/alertgate/alertgate/router/internal/httpx"
	"github.com/alertgate/alertgate/router/pipeline"
	"github.com/alertgate/alertgate/router/store"
)

// Store is what people's actions read and write directly: silences and
// incidents.
type Store interface {
	store.Silences
	store.Incidents
}

// Actions carries out people's actions. Every field but Changed is
// required.
type Actions struct {
	Store  Store
	Engine *pipeline.Engine
	// Audit records every action; a nil *audit.Log records nothing.
	Audit *audit.Log
	Log   *slog.Logger
	Now   func() time.Time
	// Changed, if set, is called after an incident is acknowledged or
	// resolved and after a silence is made, so that what keeps a copy of
	// them (the console's Now board) reads them again at once.
	Changed func()
}

// Actor is who asks for an action, for the timeline and the audit log.
type Actor struct {
	// User is the person's name; Role their role, or "api" for the admin
	// token; Via the client (console, api, amtool).
	User, Role, Via, Remote string
}

// ActorOf names the caller of the admin API: the name the client gave
// (createdBy, ?by=) or "admin token".
func ActorOf(r *http.Request, name, via string) Actor {
	return Actor{User: cmp.Or(name, r.Header.Get("X-Alertgate-User"), "admin token"), Role: "api", Via: via, Remote: r.RemoteAddr}
}

// Record writes an action of who on target to the audit log, with its
// result: ok, or err.
func (a *Actions) Record(ctx context.Context, who Actor, action, target, detail string, err error) {
	result := "ok"
	if err != nil {
		result = err.Error()
	}
	a.Audit.Record(ctx, audit.Entry{At: a.Now(), User: who.User, Role: who.Role, Action: action, Target: target,
		Detail: detail, Via: who.Via, Remote: who.Remote, Result: result})
}

func (a *Actions) changed() {
	if a.Changed != nil {
		a.Changed()
	}
}

// An Action is what a person does to an incident; its value is the
// audit log's action.
type Action string

// The actions on an incident.
const (
	Acknowledge Action = "acknowledge"
	Resolve     Action = "resolve"
)

// Act acknowledges or resolves inc for who, when inc is still the open
// occurrence of its group (pipeline.ErrIncidentOver otherwise), and
// audits it. An action it does not know is refused and audited as such.
func (a *Actions) Act(ctx context.Context, inc incident.Incident, action Action, who Actor) error {
	var do func(ctx context.Context, group, user, via string) error
	switch action {
	case Acknowledge:
		do = a.Engine.Acknowledge
	case Resolve:
		do = a.Engine.Resolve
	}
	var err error
	if do == nil {
		err = fmt.Errorf("unknown incident action %q", action)
	} else {
		var open bool
		if _, open, err = a.Engine.GroupOf(ctx, inc); err == nil && (!open || inc.Status == incident.StatusResolved) {
			err = pipeline.ErrIncidentOver
		}
		if err == nil {
			err = do(ctx, inc.Group, who.User, who.Via)
		}
	}
	a.changed()
	a.Record(ctx, who, string(action), inc.ID, "", err)
	if err != nil && !errors.Is(err, pipeline.ErrIncidentOver) {
		a.Log.Error("incident action failed", "incident", inc.ID, "action", action, "by", who.User, "err", err)
	}
	return err
}

// SaveSilence stores a validated silence (CheckSilence), logs and audits
// it, and notes it on the timeline of the incident it was made from.
func (a *Actions) SaveSilence(ctx context.Context, s incident.Silence, who Actor) error {
	defer a.changed()
	err := a.Store.SetSilence(ctx, s)
	a.Record(ctx, who, "silence", s.ID, fmt.Sprintf("%v until %s: %s", s.Matchers, s.EndsAt.Format("2006-01-02T15:04Z07:00"), s.Comment), err)
	if err != nil {
		a.Log.Error("storing silence failed", "err", err)
		return err
	}
	a.Log.Info("silence created", "silence", s.ID, "matchers", s.Matchers, "ends_at", s.EndsAt, "created_by", s.CreatedBy, "incident", s.Incident)
	if s.Incident != "" {
		a.note(ctx, s.Incident, incident.Event{At: s.CreatedAt, Type: incident.EventSilenced, Actor: who.User,
			Detail: fmt.Sprintf("silence %s from the %s until %s: %v", s.ID, who.Via, s.EndsAt.UTC().Format("2006-01-02 15:04Z"), s.Matchers)})
	}
	return nil
}

// ExpireSilence ends a silence now; store.ErrNotFound for an unknown one.
func (a *Actions) ExpireSilence(ctx context.Context, id string, who Actor) error {
	now := a.Now()
	var made *incident.Silence
	if list, err := a.Store.Silences(ctx, now); err == nil {
		for i := range list {
			if list[i].ID == id {
				made = &list[i]
			}
		}
	}
	err := a.Store.ExpireSilence(ctx, id, now)
	a.Record(ctx, who, "expire", id, "", err)
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			a.Log.Error("expiring silence failed", "silence", id, "err", err)
		}
		return err
	}
	a.Log.Info("silence expired", "silence", id, "by", who.User)
	if made != nil && made.Incident != "" {
		a.note(ctx, made.Incident, incident.Event{At: now, Type: incident.EventSilenced, Actor: who.User, Detail: "silence " + id + " expired from the " + who.Via})
	}
	return nil
}

// ExpireFromAPI expires the silence of the request's path for who,
// answering 404 or 503 in JSON itself; it reports whether the silence
// expired.
func (a *Actions) ExpireFromAPI(w http.ResponseWriter, r *http.Request, who Actor) bool {
	id := r.PathValue("id")
	err := a.ExpireSilence(r.Context(), id, who)
	switch {
	case errors.Is(err, store.ErrNotFound):
		httpx.WriteError(w, http.StatusNotFound, "id", "no silence "+id)
	case err != nil:
		httpx.WriteError(w, http.StatusServiceUnavailable, "", "the state store is unavailable; retry")
	}
	return err == nil
}

// note adds an event to an incident's timeline; a failure is logged, as
// the action it records has happened.
func (a *Actions) note(ctx context.Context, id string, ev incident.Event) {
	if err := a.Store.RecordIncident(ctx, incident.Incident{ID: id}, ev); err != nil {
		a.Log.Warn("recording on the incident timeline failed", "incident", id, "err", err)
	}
}

// MaxIncidents bounds the incidents read at once.
const MaxIncidents = 20000

// RecentIncidents lists the incidents the store still keeps
// (store.incident_retention), newest first.
func (a *Actions) RecentIncidents(ctx context.Context, now time.Time) ([]incident.Incident, error) {
	keep := time.Duration(a.Engine.Config().Store.IncidentRetention)
	return a.Store.Incidents(ctx, now, now.Add(-keep), MaxIncidents)
}

// FindIncident reads an incident by its ID or, for links and messages
// that carry the group key (PagerDuty's dedup_key, older Slack
// messages), the newest incident of that group.
func (a *Actions) FindIncident(ctx context.Context, id string) (incident.Incident, []incident.Event, bool, error) {
	inc, events, ok, err := a.Store.Incident(ctx, id)
	if err != nil || ok {
		return inc, events, ok, err
	}
	list, err := a.RecentIncidents(ctx, a.Now())
	if err != nil {
		return inc, nil, false, err
	}
	for _, c := range list { // newest first
		if c.Group == id {
			return a.Store.Incident(ctx, c.ID)
		}
	}
	return inc, nil, false, nil
}
