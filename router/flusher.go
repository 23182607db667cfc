package router

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/config"
	"github.com/alertgate/alertgate/incident"
	"github.com/alertgate/alertgate/router/dedup"
	"github.com/alertgate/alertgate/router/notify"
	"github.com/alertgate/alertgate/router/store"
	"github.com/alertgate/alertgate/rules"
)

// GroupStore holds notification groups until they are due, and the state
// the mute stages and escalations read.
type GroupStore interface {
	Settle(ctx context.Context, now time.Time) ([]dedup.Verdict, error)
	// ClaimGroups leases up to limit due groups. It may return fewer
	// while more are due (a store bounds what one claim carries); none
	// means none is left.
	ClaimGroups(ctx context.Context, now time.Time, limit int) ([]incident.Flush, error)
	CompleteFlush(ctx context.Context, now time.Time, f incident.Flush, entries [][]byte) error
	Postpone(ctx context.Context, f incident.Flush, until time.Time) error
	Silences(ctx context.Context, now time.Time) ([]incident.Silence, error)
	Inhibitors(ctx context.Context, keys []string) (map[string][]alert.Fingerprint, error)
	Group(ctx context.Context, key string) (store.GroupState, bool, error)
	ScheduleTimer(ctx context.Context, t store.Timer) error
	ClaimTimers(ctx context.Context, now time.Time, limit int) ([]store.Timer, error)
	CompleteTimer(ctx context.Context, now time.Time, t store.Timer, entries [][]byte) error
	Timeline
}

// Enricher adds runbook, summary and on-call to a notification. It must
// return within its own deadline whatever happens: a page is never held
// up by enrichment.
type Enricher interface {
	Enrich(ctx context.Context, n *notify.Notification)
}

// Flusher turns due groups into notifications in the outbox, and fires
// escalation timers. Any replica may run it: a group or timer is claimed
// by one replica at a time.
type Flusher struct {
	rules   *atomic.Pointer[rules.Rules]
	groups  GroupStore
	enrich  Enricher
	now     func() time.Time
	log     *slog.Logger
	metrics *metrics
	kick    chan struct{}
	// busy holds a token for each flush doing CPU work (building,
	// encoding, writing its state). Flushes wait for enrichment side by
	// side, but compute at most half the cores' worth at once: the first
	// flush of a storm's large groups must not starve the webhooks that
	// keep arriving. Nil means no bound.
	busy chan struct{}

	// silences is the last list read from the store, kept so that a
	// store outage does not unsilence everything.
	silences []incident.Silence
}

// flushBatch bounds the groups claimed at once, so one replica does not
// take a whole storm while others idle.
const flushBatch = 64

// maxClaims bounds the claims of one FlushDue; what is left waits for the
// next tick.
const maxClaims = 1000

// Kick asks the flusher to look for due groups now rather than at its
// next tick (a group with no group_wait is due at once).
func (f *Flusher) Kick() {
	select {
	case f.kick <- struct{}{}:
	default:
	}
}

// Run flushes due groups every tick and on every Kick until ctx ends.
func (f *Flusher) Run(ctx context.Context, tick time.Duration) {
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		if err := f.FlushDue(ctx); err != nil && ctx.Err() == nil {
			f.metrics.storeErrs.WithLabelValues("flush").Inc()
			f.log.Warn("flush failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-f.kick:
		}
	}
}

// FlushDue settles flapping alerts, flushes every due group and fires
// every due escalation.
func (f *Flusher) FlushDue(ctx context.Context) error {
	now := f.now()
	settled, err := f.groups.Settle(ctx, now)
	if err != nil {
		return err
	}
	for _, v := range settled {
		f.log.Info("flapping settled", "fingerprint", v.Fingerprint)
	}
	if sil, err := f.groups.Silences(ctx, now); err == nil {
		f.silences = sil
	} else {
		f.log.Warn("reading silences failed; using the last known ones", "err", err)
	}
	// A flushed group is due again group_interval (never zero) later, so
	// claims run dry; the bound only guards against a store that keeps
	// offering the same group.
	for range maxClaims {
		due, err := f.groups.ClaimGroups(ctx, now, flushBatch)
		if err != nil {
			return err
		}
		if len(due) == 0 {
			break
		}
		f.flushAll(ctx, now, due)
	}
	return f.escalate(ctx, now)
}

// flushParallel bounds the groups flushed at once. Groups are independent;
// flushing them side by side keeps one slow enrichment (an LLM at its
// timeout) from delaying every other incident behind it.
const flushParallel = 8

func (f *Flusher) flushAll(ctx context.Context, now time.Time, due []incident.Flush) {
	var wg sync.WaitGroup
	sem := make(chan struct{}, flushParallel)
	for _, fl := range due {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			f.compute()
			defer f.computed()
			if err := f.flush(ctx, now, fl); err != nil {
				f.log.Warn("group flush failed; it will be retried when its lease expires", "group", fl.Group.Key, "err", err)
			}
		})
	}
	wg.Wait()
}

// compute takes a token to do CPU work; computed gives it back.
func (f *Flusher) compute() {
	if f.busy != nil {
		f.busy <- struct{}{}
	}
}

func (f *Flusher) computed() {
	if f.busy != nil {
		<-f.busy
	}
}

func (f *Flusher) flush(ctx context.Context, now time.Time, fl incident.Flush) error {
	rs := f.rules.Load()
	route, routed := rs.Route(fl.Group.Route)
	if routed {
		if reason, muted := rs.TimeMuted(route, now); muted {
			f.metrics.muted.WithLabelValues("time_interval").Add(float64(len(fl.Members)))
			f.log.Debug("group muted", "group", fl.Group.Key, "route", route.ID, "reason", reason)
			return f.groups.Postpone(ctx, fl, now.Add(fl.Group.Interval))
		}
	}
	visible, muted, err := f.unmuted(ctx, rs, now, fl)
	if err != nil {
		return err
	}
	fl.Members = visible
	entries, proto, err := f.prepare(ctx, now, &fl, true)
	if err != nil {
		return err
	}
	err = f.groups.CompleteFlush(ctx, now, fl, entries)
	if errors.Is(err, store.ErrLeaseLost) {
		f.log.Warn("group lease lost to another replica; not delivering", "group", fl.Group.Key)
		return nil
	}
	if err != nil {
		return err
	}
	recordFlush(ctx, f.groups, f.log, now, &fl, visible, muted, proto)
	if proto == nil {
		return nil
	}
	f.log.Info("incident flushed", "group", fl.Group.Key, "receiver", fl.Group.Receiver, "kind", proto.Kind, "members", len(proto.Members), "targets", len(entries))
	if routed && proto.Kind == notify.KindTrigger && route.Config.Escalate != nil {
		return f.scheduleEscalation(ctx, now, fl.Group.Key, route.Config.Escalate)
	}
	return nil
}

// prepare builds, enriches and encodes the notifications of a flush, one
// per target of the group's receiver and of every receiver the incident
// was escalated to. It returns no entries when there is nothing to tell.
// holding says the caller holds a compute token, which is given back
// while enrichment waits.
func (f *Flusher) prepare(ctx context.Context, now time.Time, fl *incident.Flush, holding bool) ([][]byte, *notify.Notification, error) {
	proto := build(fl, now)
	if proto == nil {
		return nil, nil, nil
	}
	if route, ok := f.rules.Load().Route(fl.Group.Route); ok && proto.Kind == notify.KindTrigger && route.Config.Escalate != nil {
		e := route.Config.Escalate
		proto.Notes = append(proto.Notes, "escalates to "+e.Receiver+" if not acknowledged within "+e.After.String())
	}
	if holding {
		f.computed() // enrichment waits on the LLM's answer
	}
	f.enrich.Enrich(ctx, proto)
	if holding {
		f.compute()
	}
	entries, err := f.encodeAll(proto, fl)
	return entries, proto, err
}

// encodeAll encodes the notification for the group's receiver and every
// receiver its incident was escalated to.
func (f *Flusher) encodeAll(proto *notify.Notification, fl *incident.Flush) ([][]byte, error) {
	var entries [][]byte
	for _, name := range append([]string{fl.Group.Receiver}, fl.Escalated...) {
		e, err := f.encode(proto, name)
		if err != nil {
			return nil, err
		}
		entries = append(entries, e...)
	}
	return entries, nil
}

// encode copies the notification once per target of the named receiver.
func (f *Flusher) encode(proto *notify.Notification, receiver string) ([][]byte, error) {
	rc, ok := f.rules.Load().Receiver(receiver)
	if !ok {
		f.log.Error("receiver no longer exists; notifying nobody there", "incident", proto.Incident, "receiver", receiver)
		return nil, nil
	}
	out := make([][]byte, 0, 2)
	for _, t := range rc.Targets() {
		n := *proto
		n.Target = notify.Target{Type: t, Receiver: receiver}
		n.ID = proto.Incident + "/" + itoa(proto.Seq) + "/" + receiver + "/" + t
		b, err := n.Encode()
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}

// unmuted returns the members that are neither silenced nor inhibited,
// and those that are. Muted members are left out of the flush, so they
// keep their news and are looked at again after group_interval: when the
// silence ends or the inhibiting alert resolves, they are notified, as in
// Alertmanager.
func (f *Flusher) unmuted(ctx context.Context, rs *rules.Rules, now time.Time, fl incident.Flush) ([]incident.Member, []mutedMember, error) {
	silencer := rs.Silencer(f.silences, now)
	targets := make([][]string, len(fl.Members))
	var keys []string
	for i, m := range fl.Members {
		targets[i] = rs.InhibitedBy(m.Alert.Labels)
		keys = append(keys, targets[i]...)
	}
	holders := map[string][]alert.Fingerprint{}
	if len(keys) > 0 {
		var err error
		if holders, err = f.groups.Inhibitors(ctx, keys); err != nil {
			return nil, nil, err
		}
	}
	visible := make([]incident.Member, 0, len(fl.Members))
	var muted []mutedMember
	for i, m := range fl.Members {
		if by := cmp.Or(silencer.Silenced(m.Alert.Labels), f.runbookSilence(m.Alert.Labels, now)); by != "" {
			f.mute(fl.Group.Key, m, "silenced", by)
			muted = append(muted, mutedMember{m, incident.EventSilenced, by})
			continue
		}
		if by := inhibitor(holders, targets[i], m.Alert.Fingerprint); by != "" {
			f.mute(fl.Group.Key, m, "inhibited", "alert "+string(by))
			muted = append(muted, mutedMember{m, incident.EventInhibited, "alert " + string(by)})
			continue
		}
		visible = append(visible, m)
	}
	return visible, muted, nil
}

// runbookSilencer is an Enricher that also knows the windows in which a
// runbook says its alerts are expected (a night batch window).
type runbookSilencer interface {
	RunbookSilence(labels map[string]string, t time.Time) string
}

func (f *Flusher) runbookSilence(labels map[string]string, t time.Time) string {
	if rs, ok := f.enrich.(runbookSilencer); ok {
		return rs.RunbookSilence(labels, t)
	}
	return ""
}

func (f *Flusher) mute(group string, m incident.Member, reason, by string) {
	if !m.Changed() {
		return
	}
	f.metrics.muted.WithLabelValues(reason).Inc()
	f.log.Info("alert muted", "group", group, "fingerprint", m.Alert.Fingerprint, "alertname", m.Alert.Name, "reason", reason, "by", by)
}

// inhibitor returns an alert other than self holding one of keys.
func inhibitor(holders map[string][]alert.Fingerprint, keys []string, self alert.Fingerprint) alert.Fingerprint {
	for _, k := range keys {
		for _, fp := range holders[k] {
			if fp != self {
				return fp
			}
		}
	}
	return ""
}

func (f *Flusher) scheduleEscalation(ctx context.Context, now time.Time, group string, e *config.Escalation) error {
	t := store.Timer{Group: group, Receiver: e.Receiver, At: now.Add(time.Duration(e.After))}
	if err := f.groups.ScheduleTimer(ctx, t); err != nil {
		return err
	}
	f.log.Info("escalation scheduled", "group", group, "receiver", e.Receiver, "at", t.At)
	return nil
}

// escalate fires due escalation timers: an incident still firing and not
// acknowledged goes to the escalation receiver.
func (f *Flusher) escalate(ctx context.Context, now time.Time) error {
	timers, err := f.groups.ClaimTimers(ctx, now, flushBatch)
	if err != nil {
		return err
	}
	for _, t := range timers {
		entries, err := f.escalation(ctx, now, t)
		if err == nil {
			err = f.groups.CompleteTimer(ctx, now, t, entries)
		}
		if err != nil {
			f.log.Warn("escalation failed; it will be retried when its lease expires", "group", t.Group, "err", err)
		}
	}
	return nil
}

func (f *Flusher) escalation(ctx context.Context, now time.Time, t store.Timer) ([][]byte, error) {
	g, ok, err := f.groups.Group(ctx, t.Group)
	switch {
	case err != nil:
		return nil, err
	case !ok || !g.Firing():
		return nil, nil
	case g.AckedBy != "":
		f.log.Info("escalation not needed: acknowledged", "group", t.Group, "by", g.AckedBy)
		return nil, nil
	case slices.Contains(g.Escalated, t.Receiver):
		return nil, nil
	}
	fl := g.Flush
	rs := f.rules.Load()
	if fl.Members, _, err = f.unmuted(ctx, rs, now, fl); err != nil {
		return nil, err
	}
	for i := range fl.Members {
		fl.Members[i].Reason, fl.Members[i].Flushed = incident.ReasonNew, ""
	}
	proto := build(&fl, now)
	if proto == nil || proto.Status != alert.StatusFiring {
		return nil, nil
	}
	proto.Notes = append(proto.Notes, "escalated to "+t.Receiver+": nobody acknowledged it in time")
	f.enrich.Enrich(ctx, proto)
	f.log.Warn("incident escalated", "group", t.Group, "receiver", t.Receiver)
	if id := incidentID(&fl); id != "" {
		ev := incident.Event{At: now, Type: incident.EventEscalated, Target: t.Receiver, Detail: "not acknowledged in time"}
		if err := f.groups.RecordIncident(ctx, incident.Incident{ID: id}, ev); err != nil {
			f.log.Warn("recording the escalation failed", "incident", id, "err", err)
		}
	}
	return f.encode(proto, t.Receiver)
}
