package router

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/alertgate/alertgate/incident"
	"github.com/alertgate/alertgate/internal/audit"
	"github.com/alertgate/alertgate/router/store"
)

// actor is who asks for an action, for the timeline and the audit log.
type actor struct {
	// User is the person's name; Role their role, or "api" for the admin
	// token; Via the client (console, api, amtool).
	User, Role, Via, Remote string
}

// actorOf names the caller of the admin API: the name the client gave
// (createdBy, ?by=) or "admin token".
func actorOf(r *http.Request, name, via string) actor {
	return actor{User: cmp.Or(name, r.Header.Get("X-Alertgate-User"), "admin token"), Role: "api", Via: via, Remote: r.RemoteAddr}
}

func (rt *Router) audit(ctx context.Context, a actor, action, target, detail string, err error) {
	result := "ok"
	if err != nil {
		result = err.Error()
	}
	rt.opts.Audit.Record(ctx, audit.Entry{At: rt.opts.Now(), User: a.User, Role: a.Role, Action: action, Target: target,
		Detail: detail, Via: a.Via, Remote: a.Remote, Result: result})
}

// saveSilence stores a validated silence, logs and audits it, and notes
// it on the timeline of the incident it was made from.
func (rt *Router) saveSilence(ctx context.Context, s incident.Silence, a actor) error {
	defer rt.board.clear()
	err := rt.opts.Store.SetSilence(ctx, s)
	rt.audit(ctx, a, "silence", s.ID, fmt.Sprintf("%v until %s: %s", s.Matchers, s.EndsAt.Format("2006-01-02T15:04Z07:00"), s.Comment), err)
	if err != nil {
		rt.log.Error("storing silence failed", "err", err)
		return err
	}
	rt.log.Info("silence created", "silence", s.ID, "matchers", s.Matchers, "ends_at", s.EndsAt, "created_by", s.CreatedBy, "incident", s.Incident)
	if s.Incident != "" {
		rt.note(ctx, s.Incident, incident.Event{At: s.CreatedAt, Type: incident.EventSilenced, Actor: a.User,
			Detail: fmt.Sprintf("silence %s from the %s until %s: %v", s.ID, a.Via, s.EndsAt.UTC().Format("2006-01-02 15:04Z"), s.Matchers)})
	}
	return nil
}

// expireSilence ends a silence now; store.ErrNotFound for an unknown one.
func (rt *Router) expireSilence(ctx context.Context, id string, a actor) error {
	now := rt.opts.Now()
	var made *incident.Silence
	if list, err := rt.opts.Store.Silences(ctx, now); err == nil {
		for i := range list {
			if list[i].ID == id {
				made = &list[i]
			}
		}
	}
	err := rt.opts.Store.ExpireSilence(ctx, id, now)
	rt.audit(ctx, a, "expire", id, "", err)
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			rt.log.Error("expiring silence failed", "silence", id, "err", err)
		}
		return err
	}
	rt.log.Info("silence expired", "silence", id, "by", a.User)
	if made != nil && made.Incident != "" {
		rt.note(ctx, made.Incident, incident.Event{At: now, Type: incident.EventSilenced, Actor: a.User, Detail: "silence " + id + " expired from the " + a.Via})
	}
	return nil
}

// note adds an event to an incident's timeline; a failure is logged, as
// the action it records has happened.
func (rt *Router) note(ctx context.Context, id string, ev incident.Event) {
	if err := rt.opts.Store.RecordIncident(ctx, incident.Incident{ID: id}, ev); err != nil {
		rt.log.Warn("recording on the incident timeline failed", "incident", id, "err", err)
	}
}
