package pipeline

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"time"

	"github.com/alertgate/alertgate/incident"
	"github.com/alertgate/alertgate/router/notify"
	"github.com/alertgate/alertgate/router/store"
	"github.com/alertgate/alertgate/rules"
)

// flusher turns due groups into notifications in the outbox, and fires
// escalation timers. Any replica may run it: a group or timer is claimed
// by one replica at a time.
type flusher struct {
	e    *Engine
	kick chan struct{}
	// wakes are when the groups this replica scheduled become due.
	wakes *wakes
	// busy holds a token for each flush doing CPU work (building,
	// encoding, writing its state). Flushes wait for enrichment side by
	// side, but compute at most half the cores' worth at once: the first
	// flush of a storm's large groups must not starve the webhooks that
	// keep arriving. Nil means no bound.
	busy chan struct{}

	// silences is the last list read from the store, kept so that a
	// store outage does not unsilence everything.
	silences []incident.Silence

	// chronicAt is the next chronic digest this replica scheduled, under
	// the rules of chronicRules.
	chronicMu    sync.Mutex
	chronicAt    time.Time
	chronicRules *rules.Rules

	// next remembers when routes next sound or are unmuted.
	next nextTimes
}

// flushBatch bounds the groups claimed at once, so one replica does not
// take a whole storm while others idle.
const flushBatch = 64

// maxClaims bounds the claims of one flushDue; what is left waits for the
// next tick.
const maxClaims = 1000

// flushParallel bounds the groups flushed at once. Groups are independent;
// flushing them side by side keeps one slow enrichment (an LLM at its
// timeout) from delaying every other incident behind it.
const flushParallel = 8

// kickNow asks the flusher to look for due groups now rather than at its
// next tick (a group with no group_wait is due at once).
func (f *flusher) kickNow() {
	select {
	case f.kick <- struct{}{}:
	default:
	}
}

// wakeAt asks the flusher to look for due groups at t, when a group the
// caller scheduled becomes due; now if t has come. Looking costs round
// trips to the store whether or not anything is due, so the flusher
// looks when something is, not at every alert of a storm.
func (f *flusher) wakeAt(t time.Time) {
	if t.IsZero() {
		return
	}
	if !t.After(f.e.opts.Now()) {
		f.kickNow()
		return
	}
	f.wakes.add(t)
}

// run flushes due groups every tick, on every kick and at every wake
// until ctx ends.
func (f *flusher) run(ctx context.Context, tick time.Duration) {
	t := time.NewTicker(tick)
	defer t.Stop()
	wake := time.NewTimer(0)
	defer wake.Stop()
	look := true
	for {
		if look {
			ran := f.e.opts.Now()
			if err := f.flushDue(ctx); err != nil && ctx.Err() == nil {
				f.e.metrics.storeErrs.WithLabelValues("flush").Inc()
				f.e.log.Warn("flush failed", "err", err)
			}
			f.wakes.served(ran)
		}
		wake.Stop()
		if at, ok := f.wakes.next(); ok {
			wake.Reset(at.Sub(f.e.opts.Now()))
		}
		look = true
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-f.kick:
		case <-wake.C:
		case <-f.wakes.changed:
			look = false // an earlier wake: arm the timer for it
		}
	}
}

// flushDue settles flapping alerts, flushes every due group and fires
// every due escalation.
func (f *flusher) flushDue(ctx context.Context) error {
	st := f.e.opts.Store
	now := f.e.opts.Now()
	settled, err := st.Settle(ctx, now)
	if err != nil {
		return err
	}
	for _, v := range settled {
		f.e.log.Info("alert settled", "fingerprint", v.Fingerprint, "reason", v.Reason)
	}
	if sil, err := st.Silences(ctx, now); err == nil {
		f.silences = sil
	} else {
		f.e.log.Warn("reading silences failed; using the last known ones", "err", err)
	}
	// A flushed group is due again group_interval (never zero) later, so
	// claims run dry; the bound only guards against a store that keeps
	// offering the same group. The clock is read again for each claim: a
	// storm's first flush takes many claims, and each flushes what is due
	// at its time, as of its time.
	for range maxClaims {
		now = f.e.opts.Now()
		due, err := st.ClaimGroups(ctx, now, flushBatch)
		if err != nil {
			return err
		}
		if len(due) == 0 {
			break
		}
		f.flushAll(ctx, now, due)
	}
	f.scheduleChronicDigest(ctx, now)
	return f.timers(ctx, now)
}

func (f *flusher) flushAll(ctx context.Context, now time.Time, due []incident.Flush) {
	reads := f.prefetch(ctx, f.e.setup.Load().rules, due, now)
	defer f.e.countSounds(ctx, reads)
	var wg sync.WaitGroup
	sem := make(chan struct{}, flushParallel)
	for _, fl := range due {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			f.compute()
			defer f.computed()
			if err := f.flush(ctx, now, fl, reads); err != nil && !errors.Is(err, errLeaseLost) {
				f.e.log.Warn("group flush failed; it will be retried when its lease expires", "group", fl.Group.Key, "err", err)
			}
		})
	}
	wg.Wait()
}

// compute takes a token to do CPU work; computed gives it back.
func (f *flusher) compute() {
	if f.busy != nil {
		f.busy <- struct{}{}
	}
}

func (f *flusher) computed() {
	if f.busy != nil {
		<-f.busy
	}
}

// flush runs one claimed group through the pipeline: mute stage, build,
// noise policy, enrich, outbox. It reads one setup from start to end,
// whatever a reload does meanwhile, and what its batch read for it
// (reads; nil: it reads for itself).
func (f *flusher) flush(ctx context.Context, now time.Time, fl incident.Flush, reads *batchReads) error {
	set := f.e.setup.Load()
	route, routed := set.rules.Route(fl.Group.Route)
	if !routed {
		route = nil
	}
	stages, err := f.muteStages(ctx, set.rules, route, fl.Members, now, reads)
	if err != nil {
		return err
	}
	visible, muted := f.mute(ctx, fl.Group.Key, stages, fl.Members, now)
	st := f.e.opts.Store
	if len(visible) == 0 && len(muted) > 0 {
		f.e.recordFlush(ctx, now, &fl, nil, muted, nil)
		if gone := untold(muted); len(gone) == len(muted) {
			fl.Members = gone
			return f.complete(ctx, now, fl, nil)
		}
		return st.Postpone(ctx, fl, f.wake(set.rules, route, muted, fl.Group.Interval, now))
	}
	fl.Members = visible
	proto := build(&fl, now)
	if proto != nil && routed {
		if until, held := f.hold(set.rules, route, proto, fl.Group.Interval, now); held {
			f.e.log.Debug("new incident held until it may sound", "group", fl.Group.Key, "severity", proto.Severity, "until", until)
			return st.Postpone(ctx, fl, until)
		}
		f.e.voice(ctx, set.rules, route, &fl, proto, now, reads)
	}
	var absorbed [][]byte
	if proto != nil && !proto.Quiet {
		absorbed = f.absorb(ctx, set.rules, &fl, proto, now)
	}
	entries, err := f.finish(ctx, set, &fl, proto, true)
	if err != nil {
		return err
	}
	if err := f.complete(ctx, now, fl, entries); err != nil {
		return err
	}
	f.e.recordFlush(ctx, now, &fl, visible, muted, proto)
	if proto == nil {
		return nil
	}
	if len(absorbed) > 0 {
		if err := st.Enqueue(ctx, now, absorbed...); err != nil {
			f.e.log.Warn("the edits of absorbed incidents were not enqueued; they keep their own messages", "incident", proto.IncidentID, "err", err)
		}
	}
	if proto.Kind == notify.KindTrigger && !proto.Quiet || proto.Kind == notify.KindUpdate {
		f.index(ctx, set.rules, &fl, proto, now)
	}
	f.e.log.Info("incident flushed", "incident", proto.IncidentID, "group", fl.Group.Key, "receiver", fl.Group.Receiver, "kind", proto.Kind, "quiet", proto.Quiet, "members", len(proto.Members), "targets", len(entries))
	if !proto.Quiet {
		f.e.countSound(ctx, reads, lineage(&fl), now)
	}
	if !routed {
		return nil
	}
	if proto.Quiet && proto.Kind == notify.KindUpdate && churned(fl.Members) {
		f.scheduleDigest(ctx, route, &fl, now)
	}
	if proto.Kind == notify.KindTrigger && route.Config.Escalate != nil {
		return f.scheduleEscalation(ctx, now, fl.Group.Key, route.Config.Escalate)
	}
	return nil
}

// complete completes a claimed flush with its notifications; a lease lost
// to another replica is no error, and the flush delivers nothing.
func (f *flusher) complete(ctx context.Context, now time.Time, fl incident.Flush, entries [][]byte) error {
	err := f.e.opts.Store.CompleteFlush(ctx, now, fl, entries)
	if errors.Is(err, store.ErrLeaseLost) {
		f.e.log.Warn("group lease lost to another replica; not delivering", "group", fl.Group.Key)
		return errLeaseLost
	}
	return err
}

// errLeaseLost stops a flush whose lease another replica took; the flush
// loop does not count it as a failure.
var errLeaseLost = errors.New("lease lost")

// prepare builds, enriches and encodes the notifications of a flush, one
// per target of the group's receiver and of every receiver the incident
// was escalated to. It returns no entries when there is nothing to tell.
// holding says the caller holds a compute token, which is given back
// while enrichment waits.
func (f *flusher) prepare(ctx context.Context, set *setup, now time.Time, fl *incident.Flush, holding bool) ([][]byte, *notify.Notification, error) {
	proto := build(fl, now)
	entries, err := f.finish(ctx, set, fl, proto, holding)
	return entries, proto, err
}

// finish enriches and encodes a built notification (nil: nothing to
// tell).
func (f *flusher) finish(ctx context.Context, set *setup, fl *incident.Flush, proto *notify.Notification, holding bool) ([][]byte, error) {
	if proto == nil {
		return nil, nil
	}
	if route, ok := set.rules.Route(fl.Group.Route); ok && proto.Kind == notify.KindTrigger && route.Config.Escalate != nil {
		e := route.Config.Escalate
		proto.Notes = append(proto.Notes, "escalates to "+e.Receiver+" if not acknowledged within "+e.After.String())
	}
	if holding {
		f.computed() // enrichment waits on the LLM's answer
	}
	f.e.opts.Enricher.Enrich(ctx, proto)
	if holding {
		f.compute()
	}
	return f.e.encodeAll(set.rules, proto, fl)
}

// encodeAll encodes the notification for the group's receiver and every
// receiver its incident was escalated to.
func (e *Engine) encodeAll(rs *rules.Rules, proto *notify.Notification, fl *incident.Flush) ([][]byte, error) {
	proto.URL = notify.IncidentURL(e.setup.Load().cfg.Server.ExternalURL, proto)
	proto.RouteLabels = rs.RouteLabels(fl.Group.Route)
	var entries [][]byte
	for _, name := range append([]string{fl.Group.Receiver}, fl.Escalated...) {
		b, err := e.encode(rs, proto, name)
		if err != nil {
			return nil, err
		}
		entries = append(entries, b...)
	}
	return entries, nil
}

// encode copies the notification once per target of the named receiver.
func (e *Engine) encode(rs *rules.Rules, proto *notify.Notification, receiver string) ([][]byte, error) {
	rc, ok := rs.Receiver(receiver)
	if !ok {
		e.log.Error("receiver no longer exists; notifying nobody there", "incident", proto.Occurrence(), "receiver", receiver)
		return nil, nil
	}
	out := make([][]byte, 0, 2)
	for _, t := range rc.Targets() {
		n := *proto
		n.Target = notify.Target{Type: t, Receiver: receiver}
		n.ID = proto.Incident + "/" + strconv.FormatInt(proto.Seq, 10) + "/" + receiver + "/" + string(t)
		b, err := n.Encode()
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}
