package router

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/incident"
	"github.com/alertgate/alertgate/router/notify"
	"github.com/alertgate/alertgate/router/notify/slack"
	"github.com/alertgate/alertgate/router/store"
)

// silenceFromSlack is how long the Silence button silences.
const silenceFromSlack = time.Hour

// handleSlackInteraction serves POST /api/v1/slack/interactions: the
// Acknowledge, Silence 1h and Resolve buttons. The request is trusted
// only with a valid Slack signature; who clicked is recorded on the
// incident's timeline.
func (rt *Router) handleSlackInteraction(w http.ResponseWriter, r *http.Request) {
	body, ok := rt.readBody(w, r)
	if !ok {
		return
	}
	in, err := slack.ParseInteraction(r.Header, body, rt.state.Load().cfg.Notify.Slack.SigningSecret)
	if errors.Is(err, slack.ErrBadSignature) {
		rt.log.Warn("slack interaction rejected", "remote", r.RemoteAddr, "reason", err.Error())
		writeError(w, http.StatusUnauthorized, "", "invalid or stale Slack signature")
		return
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, "payload", err.Error())
		return
	}
	who := in.UserName
	if in.UserID != "" && in.UserID != in.UserName {
		who += " (" + in.UserID + ")"
	}
	log := rt.log.With("incident", in.Incident, "action", in.Action, "by", who)
	ctx, now := r.Context(), rt.opts.Now()
	g, found, err := rt.opts.Store.Group(ctx, in.Incident)
	switch {
	case err != nil:
		log.Error("slack interaction: reading the incident failed", "err", err)
		writeError(w, http.StatusServiceUnavailable, "", "the state store is unavailable; retry")
		return
	case !found:
		log.Info("slack interaction on an incident that is already over")
		w.WriteHeader(http.StatusOK)
		return
	}
	switch in.Action {
	case slack.ActionAcknowledge:
		err = rt.acknowledge(ctx, now, &g, who, "Slack")
	case slack.ActionSilence:
		err = rt.silenceGroup(ctx, now, &g, who)
	case slack.ActionResolve:
		err = rt.resolveByHand(ctx, now, &g, who)
	case slack.ActionAnnounce:
		err = rt.announce(ctx, now, &g, who)
	}
	if err != nil {
		log.Error("slack interaction failed", "err", err)
		writeError(w, http.StatusServiceUnavailable, "", "could not record the action; retry")
		return
	}
	log.Info("slack interaction applied")
	w.WriteHeader(http.StatusOK)
}

// acknowledgeGroup acknowledges a group's incident unless it already is
// (a source that reports the acknowledgement on every re-send, say).
func (rt *Router) acknowledgeGroup(ctx context.Context, now time.Time, group, source string) error {
	g, found, err := rt.opts.Store.Group(ctx, group)
	if err != nil || !found || g.AckedBy != "" {
		return err
	}
	return rt.acknowledge(ctx, now, &g, source, source)
}

// acknowledge records the acknowledgement, stops escalation, and tells
// every target of the incident (PagerDuty stops paging, Slack shows who).
func (rt *Router) acknowledge(ctx context.Context, now time.Time, g *store.GroupState, who, via string) error {
	if err := rt.opts.Store.Acknowledge(ctx, g.Group.Key, who, now); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	rt.record(ctx, g, incident.Incident{AckedBy: who, AckedAt: now}, incident.Event{At: now, Type: incident.EventAcknowledged, Actor: who, Detail: via})
	return rt.tell(ctx, now, g, notify.KindAcknowledge, func(n *notify.Notification) { n.AckedBy = who })
}

// silenceGroup silences the incident's alerts for an hour: matchers on
// the group's labels, or on its alert names when it has none.
func (rt *Router) silenceGroup(ctx context.Context, now time.Time, g *store.GroupState, who string) error {
	sil := incident.Silence{ID: newID(), StartsAt: now, EndsAt: now.Add(silenceFromSlack), CreatedBy: who, CreatedAt: now, Comment: "Silence 1h from Slack, incident " + g.Group.Key}
	for _, k := range slices.Sorted(maps.Keys(g.Group.Labels)) {
		sil.Matchers = append(sil.Matchers, k+"="+strconv.Quote(g.Group.Labels[k]))
	}
	if len(sil.Matchers) == 0 {
		sil.Matchers = []string{alert.LabelAlertName + "=~" + strconv.Quote(alertNamesRegex(g.Members))}
	}
	if err := rt.opts.Store.SetSilence(ctx, sil); err != nil {
		return err
	}
	rt.record(ctx, g, incident.Incident{}, incident.Event{At: now, Type: incident.EventSilenced, Actor: who, Detail: fmt.Sprintf("silence %s for 1h from Slack: %v", sil.ID, sil.Matchers)})
	return nil
}

// resolveByHand closes the incident at its targets. If its alerts keep
// firing they notify again at their repeat interval.
func (rt *Router) resolveByHand(ctx context.Context, now time.Time, g *store.GroupState, who string) error {
	rt.record(ctx, g, incident.Incident{Status: incident.StatusResolved, ResolvedAt: now}, incident.Event{At: now, Type: incident.EventResolved, Actor: who, Detail: "resolved by hand from Slack"})
	return rt.tell(ctx, now, g, notify.KindResolve, func(n *notify.Notification) {
		n.Status = alert.StatusResolved
		n.Notes = append(n.Notes, "resolved by hand by "+who)
	})
}

// announce posts the incident's impact announcement draft in its thread,
// in the team's language (enrich.llm.language).
func (rt *Router) announce(ctx context.Context, now time.Time, g *store.GroupState, who string) error {
	id := incidentID(&g.Flush)
	inc, events, ok, err := rt.opts.Store.Incident(ctx, id)
	if err != nil || !ok {
		return fmt.Errorf("announcement of %s: incident not found: %w", id, err)
	}
	text, err := rt.document(ctx, "announcement", inc, events, rt.state.Load().cfg.Enrich.LLM.Language)
	if err != nil {
		return err
	}
	rt.record(ctx, g, incident.Incident{}, incident.Event{At: now, Type: incident.EventNotified, Actor: who, Detail: "impact announcement posted from Slack"})
	return rt.tell(ctx, now, g, notify.KindAnnounce, func(n *notify.Notification) { n.Announcement = text })
}

// tell enqueues a notification of kind, completed by edit, about the
// incident for the group's receiver and every receiver it was escalated
// to. It is unordered (sequence 0): a person's action applies whatever
// came before.
func (rt *Router) tell(ctx context.Context, now time.Time, g *store.GroupState, kind notify.Kind, edit func(*notify.Notification)) error {
	fl := g.Flush
	proto := assemble(&fl, kind, now)
	proto.Seq = 0
	edit(proto)
	rt.opts.Enricher.Enrich(ctx, proto)
	entries, err := rt.flusher.encodeAll(proto, &fl)
	if err != nil {
		return err
	}
	return rt.opts.Store.Enqueue(ctx, now, entries...)
}

func (rt *Router) record(ctx context.Context, g *store.GroupState, u incident.Incident, ev incident.Event) {
	id := incidentID(&g.Flush)
	if id == "" {
		return
	}
	u.ID = id
	if err := rt.opts.Store.RecordIncident(ctx, u, ev); err != nil {
		rt.log.Warn("recording on the incident timeline failed", "incident", id, "err", err)
	}
}

func alertNamesRegex(members []incident.Member) string {
	seen := map[string]bool{}
	var names []string
	for _, m := range members {
		if !seen[m.Alert.Name] {
			seen[m.Alert.Name] = true
			names = append(names, regexp.QuoteMeta(m.Alert.Name))
		}
	}
	slices.Sort(names)
	return strings.Join(names, "|")
}
