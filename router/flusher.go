package router

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/alertgate/alertgate/router/notify"
	"github.com/alertgate/alertgate/router/store"
	"github.com/alertgate/alertgate/rules"
)

// GroupStore holds notification groups until they are due.
type GroupStore interface {
	Settle(ctx context.Context, now time.Time) ([]store.Verdict, error)
	ClaimGroups(ctx context.Context, now time.Time, limit int) ([]store.Flush, error)
	CompleteFlush(ctx context.Context, now time.Time, f store.Flush, entries [][]byte) error
	Postpone(ctx context.Context, f store.Flush, until time.Time) error
}

// Enricher adds runbook, summary and on-call to a notification. It must
// return within its own deadline whatever happens: a page is never held
// up by enrichment.
type Enricher interface {
	Enrich(ctx context.Context, n *notify.Notification)
}

// Flusher turns due groups into notifications in the outbox. Any replica
// may run it: a group is claimed by one replica at a time.
type Flusher struct {
	rules  *atomic.Pointer[rules.Rules]
	groups GroupStore
	enrich Enricher
	now    func() time.Time
	log    *slog.Logger
	kick   chan struct{}
}

// flushBatch bounds the groups claimed at once, so one replica does not
// take a whole storm while others idle.
const flushBatch = 64

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

// FlushDue settles flapping alerts and flushes every due group.
func (f *Flusher) FlushDue(ctx context.Context) error {
	now := f.now()
	settled, err := f.groups.Settle(ctx, now)
	if err != nil {
		return err
	}
	for _, v := range settled {
		f.log.Info("flapping settled", "fingerprint", v.Fingerprint)
	}
	for {
		due, err := f.groups.ClaimGroups(ctx, now, flushBatch)
		if err != nil {
			return err
		}
		for _, fl := range due {
			if err := f.flush(ctx, now, fl); err != nil {
				f.log.Warn("group flush failed; it will be retried when its lease expires", "group", fl.Group.Key, "err", err)
			}
		}
		if len(due) < flushBatch {
			return nil
		}
	}
}

func (f *Flusher) flush(ctx context.Context, now time.Time, fl store.Flush) error {
	rs := f.rules.Load()
	receiver, ok := rs.Receiver(fl.Group.Receiver)
	if !ok {
		f.log.Error("group's receiver no longer exists; notifying nobody", "group", fl.Group.Key, "receiver", fl.Group.Receiver)
	}
	proto := build(&fl, now)
	var entries [][]byte
	if proto != nil && ok {
		f.enrich.Enrich(ctx, proto)
		var err error
		if entries, err = encodeForTargets(proto, receiver.Targets()); err != nil {
			return err
		}
	}
	err := f.groups.CompleteFlush(ctx, now, fl, entries)
	if errors.Is(err, store.ErrLeaseLost) {
		f.log.Warn("group lease lost to another replica; not delivering", "group", fl.Group.Key)
		return nil
	}
	if err == nil && proto != nil {
		f.log.Info("incident flushed", "group", fl.Group.Key, "receiver", fl.Group.Receiver, "kind", proto.Kind, "members", len(proto.Members), "targets", len(entries))
	}
	return err
}

// encodeForTargets copies the notification once per target of the
// receiver.
func encodeForTargets(proto *notify.Notification, targets []string) ([][]byte, error) {
	out := make([][]byte, 0, len(targets))
	for _, t := range targets {
		n := *proto
		n.Target = notify.Target{Type: t, Receiver: proto.Target.Receiver}
		n.ID = proto.Incident + "/" + itoa(proto.Seq) + "/" + t
		b, err := n.Encode()
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}
