package pipeline

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/incident"
	"github.com/alertgate/alertgate/router/notify"
	"github.com/alertgate/alertgate/router/store"
)

// ErrIncidentOver is returned for an action on a group that no longer
// exists: its incident resolved and was flushed.
var ErrIncidentOver = errors.New("the incident is already over")

// ActionWindow is how long one person's action on an incident applies
// only once. Slack signs a click for five minutes, so within that time a
// replayed request, Slack's retry or a second click (on any replica)
// records and re-sends nothing.
const ActionWindow = 5 * time.Minute

// ErrAlreadyApplied is returned by Once for an action already applied
// within ActionWindow.
var ErrAlreadyApplied = errors.New("the same action on this incident was already applied")

// Once runs act, the action named key (the action and its incident),
// unless it was already applied within ActionWindow. The mark lives in
// the store, so replicas agree; if act fails the mark is removed, so the
// action can be tried again at once.
func (e *Engine) Once(ctx context.Context, key string, act func(ctx context.Context) error) error {
	mark := "action:" + key
	first, err := e.opts.Store.Mark(ctx, e.opts.Now(), mark, ActionWindow)
	switch {
	case err != nil:
		return fmt.Errorf("marking action %s: %w", key, err)
	case !first:
		return ErrAlreadyApplied
	}
	err = act(ctx)
	if err != nil && !errors.Is(err, ErrIncidentOver) {
		if uerr := e.opts.Store.Unmark(context.WithoutCancel(ctx), mark); uerr != nil {
			e.log.Warn("the action failed and its mark could not be removed; a retry is ignored until the mark expires", "action", key, "expires_in", ActionWindow, "err", uerr)
		}
	}
	return err
}

// group reads a group's state, or ErrIncidentOver.
func (e *Engine) group(ctx context.Context, key string) (store.GroupState, error) {
	g, found, err := e.opts.Store.Group(ctx, key)
	switch {
	case err != nil:
		return g, fmt.Errorf("reading incident %s: %w", key, err)
	case !found:
		return g, ErrIncidentOver
	}
	return g, nil
}

// Acknowledge records that who took the incident of group (through via:
// "Slack", "New Relic"), stops its escalation, and tells every target of
// the incident (PagerDuty stops paging, Slack shows who).
func (e *Engine) Acknowledge(ctx context.Context, group, who, via string) error {
	g, err := e.group(ctx, group)
	if err != nil {
		return err
	}
	return e.acknowledge(ctx, e.opts.Now(), &g, who, via)
}

// acknowledgeOnce acknowledges a group's incident unless it already is (a
// source that reports the acknowledgement on every re-send, say).
func (e *Engine) acknowledgeOnce(ctx context.Context, now time.Time, group, source string) error {
	g, found, err := e.opts.Store.Group(ctx, group)
	if err != nil || !found || g.AckedBy != "" {
		return err
	}
	return e.acknowledge(ctx, now, &g, source, source)
}

func (e *Engine) acknowledge(ctx context.Context, now time.Time, g *store.GroupState, who, via string) error {
	if err := e.opts.Store.Acknowledge(ctx, g.Group.Key, who, now); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	e.recordEvent(ctx, &g.Flush, incident.Incident{AckedBy: who, AckedAt: now}, incident.Event{At: now, Type: incident.EventAcknowledged, Actor: who, Detail: via})
	return e.tell(ctx, now, g, notify.KindAcknowledge, func(n *notify.Notification) { n.AckedBy = who })
}

// Silence silences the alerts of group's incident for d: matchers on the
// group's labels, or on its alert names when it has none.
func (e *Engine) Silence(ctx context.Context, group, who string, d time.Duration, via string) (incident.Silence, error) {
	g, err := e.group(ctx, group)
	if err != nil {
		return incident.Silence{}, err
	}
	now := e.opts.Now()
	sil := incident.Silence{ID: NewID(), StartsAt: now, EndsAt: now.Add(d), CreatedBy: who, CreatedAt: now,
		Comment: fmt.Sprintf("Silence %s from %s, incident %s", model.Duration(d), via, g.Group.Key)}
	for _, k := range slices.Sorted(maps.Keys(g.Group.Labels)) {
		sil.Matchers = append(sil.Matchers, k+"="+strconv.Quote(g.Group.Labels[k]))
	}
	if len(sil.Matchers) == 0 {
		sil.Matchers = []string{alert.LabelAlertName + "=~" + strconv.Quote(alertNamesRegex(g.Members))}
	}
	if err := e.opts.Store.SetSilence(ctx, sil); err != nil {
		return sil, err
	}
	e.recordEvent(ctx, &g.Flush, incident.Incident{}, incident.Event{At: now, Type: incident.EventSilenced, Actor: who,
		Detail: fmt.Sprintf("silence %s for %s from %s: %v", sil.ID, model.Duration(d), via, sil.Matchers)})
	return sil, nil
}

// Resolve closes group's incident at its targets by hand. If its alerts
// keep firing they notify again at their repeat interval.
func (e *Engine) Resolve(ctx context.Context, group, who, via string) error {
	g, err := e.group(ctx, group)
	if err != nil {
		return err
	}
	now := e.opts.Now()
	e.recordEvent(ctx, &g.Flush, incident.Incident{Status: incident.StatusResolved, ResolvedAt: now}, incident.Event{At: now, Type: incident.EventResolved, Actor: who, Detail: "resolved by hand from " + via})
	return e.tell(ctx, now, &g, notify.KindResolve, func(n *notify.Notification) {
		n.Status = alert.StatusResolved
		n.Notes = append(n.Notes, "resolved by hand by "+who)
	})
}

// Announce posts the impact announcement draft of group's incident where
// it is discussed (its Slack thread), in language.
func (e *Engine) Announce(ctx context.Context, group, who, language string) error {
	g, err := e.group(ctx, group)
	if err != nil {
		return err
	}
	now := e.opts.Now()
	id := g.IncidentID()
	inc, events, ok, err := e.opts.Store.Incident(ctx, id)
	if err != nil || !ok {
		return fmt.Errorf("announcement of %s: incident not found: %w", id, err)
	}
	text, err := e.Document(ctx, DocumentAnnouncement, inc, events, language)
	if err != nil {
		return err
	}
	e.recordEvent(ctx, &g.Flush, incident.Incident{}, incident.Event{At: now, Type: incident.EventNotified, Actor: who, Detail: "impact announcement posted from Slack"})
	return e.tell(ctx, now, &g, notify.KindAnnounce, func(n *notify.Notification) { n.Announcement = text })
}

// tell enqueues a notification of kind, completed by edit, about the
// incident for the group's receiver and every receiver it was escalated
// to. It is unordered (sequence 0): a person's action applies whatever
// came before.
func (e *Engine) tell(ctx context.Context, now time.Time, g *store.GroupState, kind notify.Kind, edit func(*notify.Notification)) error {
	fl := g.Flush
	proto := assemble(&fl, kind, now)
	proto.Seq = 0
	edit(proto)
	e.opts.Enricher.Enrich(ctx, proto)
	entries, err := e.encodeAll(e.setup.Load().rules, proto, &fl)
	if err != nil {
		return err
	}
	return e.opts.Store.Enqueue(ctx, now, entries...)
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

// NewID returns a random identifier for a silence.
func NewID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
