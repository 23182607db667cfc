package pipeline

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/config"
	"github.com/alertgate/alertgate/incident"
	"github.com/alertgate/alertgate/router/notify"
	"github.com/alertgate/alertgate/router/store"
	"github.com/alertgate/alertgate/rules"
)

// RemoteAction is what someone did to an incident in another tool.
type RemoteAction string

// The actions taken in PagerDuty that alertgate follows.
const (
	RemoteAcknowledged RemoteAction = "acknowledged"
	RemoteResolved     RemoteAction = "resolved"
	RemoteReassigned   RemoteAction = "reassigned"
	RemoteEscalated    RemoteAction = "escalated"
)

// RemoteChange is one such action.
type RemoteChange struct {
	Action RemoteAction
	// By is who acted; Assignees who has the incident now.
	By        string
	Assignees []string
	// Via names the tool ("PagerDuty"); Link is the incident there.
	Via, Link string
}

// Remote applies an action taken on group's incident in another tool
// (PagerDuty): it records it on the incident and its timeline, stops
// escalation on an acknowledgement, and edits the incident's chat
// messages silently. The tool it happened in is not told again, and no
// other target is notified: the people concerned already know.
func (e *Engine) Remote(ctx context.Context, group string, ch RemoteChange) error {
	g, err := e.group(ctx, group)
	if err != nil {
		return err
	}
	now := e.opts.Now()
	who := ch.By + " in " + ch.Via
	assignees := strings.Join(ch.Assignees, ", ")
	var (
		u    incident.Incident
		ev   = incident.Event{At: now, Actor: ch.By, Detail: ch.Via}
		kind = notify.KindUpdate
		edit = func(*notify.Notification) {}
	)
	switch ch.Action {
	case RemoteAcknowledged:
		if g.AckedBy != "" {
			return nil // already acknowledged, here or there
		}
		if err := e.opts.Store.Acknowledge(ctx, group, who, now); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		u, ev.Type, kind = incident.Incident{AckedBy: who, AckedAt: now}, incident.EventAcknowledged, notify.KindAcknowledge
		edit = func(n *notify.Notification) { n.AckedBy = who }
	case RemoteResolved:
		u, ev.Type, kind = incident.Incident{Status: incident.StatusResolved, ResolvedAt: now}, incident.EventResolved, notify.KindResolve
		ev.Detail = "resolved by hand in " + ch.Via
		edit = func(n *notify.Notification) {
			n.Status = alert.StatusResolved
			n.Notes = append(n.Notes, "resolved in "+ch.Via+" by "+ch.By)
		}
	case RemoteReassigned:
		ev.Type, ev.Target = incident.EventReassigned, assignees
		edit = func(n *notify.Notification) {
			n.Notes = append(n.Notes, "reassigned in "+ch.Via+" to "+assignees+" by "+ch.By)
			n.Enrichment.OnCall = assignees
		}
	case RemoteEscalated:
		ev.Type, ev.Target = incident.EventEscalated, assignees
		edit = func(n *notify.Notification) {
			n.Notes = append(n.Notes, "escalated in "+ch.Via+" to "+assignees)
			n.Enrichment.OnCall = assignees
		}
	default:
		return nil
	}
	if ch.Link != "" {
		ev.Detail += " " + ch.Link
	}
	e.recordEvent(ctx, &g.Flush, u, ev)
	return e.tellChat(ctx, now, &g, kind, edit)
}

// tellChat enqueues a quiet edit of the incident's chat messages (Slack)
// for the group's receiver and every receiver it was escalated to.
func (e *Engine) tellChat(ctx context.Context, now time.Time, g *store.GroupState, kind notify.Kind, edit func(*notify.Notification)) error {
	fl := g.Flush
	proto := assemble(&fl, kind, now)
	proto.Seq, proto.Quiet = 0, true
	if g.AckedBy != "" {
		proto.AckedBy = g.AckedBy
	}
	edit(proto)
	e.opts.Enricher.Enrich(ctx, proto)
	entries, err := e.encodeTargets(e.setup.Load().rules, proto, append([]string{fl.Group.Receiver}, fl.Escalated...), config.TargetSlack)
	if err != nil || len(entries) == 0 {
		return err
	}
	return e.opts.Store.Enqueue(ctx, now, entries...)
}

// encodeTargets copies the notification for the targets of type typ of
// the named receivers.
func (e *Engine) encodeTargets(rs *rules.Rules, proto *notify.Notification, receivers []string, typ config.TargetType) ([][]byte, error) {
	var out [][]byte
	for _, name := range receivers {
		rc, ok := rs.Receiver(name)
		if !ok {
			continue
		}
		for _, t := range rc.Targets() {
			if t != typ {
				continue
			}
			n := *proto
			n.Target = notify.Target{Type: t, Receiver: name}
			n.ID = proto.Incident + "/remote/" + strconv.FormatInt(proto.CreatedAt.UnixNano(), 10) + "/" + name + "/" + string(t)
			b, err := n.Encode()
			if err != nil {
				return nil, err
			}
			out = append(out, b)
		}
	}
	return out, nil
}
