package router

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/router/store"
	"github.com/alertgate/alertgate/rules"
)

// Deduper decides, atomically for a whole batch, which alerts are news.
type Deduper interface {
	Observe(ctx context.Context, now time.Time, obs []store.Observation) ([]store.Verdict, error)
}

// Acknowledger records that someone acknowledged an incident.
type Acknowledger interface {
	Acknowledge(ctx context.Context, group, by string, now time.Time) error
}

// Enqueuer takes notifications into an outbox.
type Enqueuer interface {
	Enqueue(ctx context.Context, now time.Time, payloads ...[]byte) error
}

// Pipeline is the ingest half of alertgate: normalized alerts in, a
// verdict per alert out, with notifying alerts placed in their groups for
// the Flusher.
//
//	alerts ─> rules.Match (route, group) ─> store.Observe (dedup, group)
//	       ─> Flusher (mute, build, enrich) ─> outbox ─> notify.Worker
type Pipeline struct {
	rules   *atomic.Pointer[rules.Rules]
	dedup   Deduper
	acks    Acknowledger
	flusher *Flusher
	// fallback is the replica-local outbox used when the store is
	// unreachable.
	fallback Enqueuer
	now      func() time.Time
	log      *slog.Logger
	metrics  *metrics
	stats    *stats
}

// Result summarizes what happened to one request's alerts.
type Result struct {
	Accepted   int `json:"accepted"`
	Notify     int `json:"notify"`
	Suppressed int `json:"suppressed"`
	Dropped    int `json:"dropped"`
}

// Ingest routes, deduplicates and groups alerts from one request.
func (p *Pipeline) Ingest(ctx context.Context, src alert.Source, alerts []alert.Alert) (Result, error) {
	now := p.now()
	obs := p.observations(alerts)
	verdicts, err := p.dedup.Observe(ctx, now, obs)
	if err != nil {
		return p.failOpen(ctx, now, src, obs, err)
	}
	res := Result{Accepted: len(alerts)}
	for i, v := range verdicts {
		p.record(ctx, src, &alerts[i], v)
		switch v.Action {
		case store.Notify:
			res.Notify++
		case store.Suppress:
			res.Suppressed++
		case store.Drop:
			res.Dropped++
		}
	}
	if res.Notify > 0 {
		p.flusher.Kick()
	}
	p.sourceAcks(ctx, now, obs)
	return res, nil
}

// sourceAcks acknowledges the incidents of alerts their source reports as
// acknowledged (a New Relic issue in state ACKNOWLEDGED): someone is on
// it, so escalation stops.
func (p *Pipeline) sourceAcks(ctx context.Context, now time.Time, obs []store.Observation) {
	for i := range obs {
		a := &obs[i].Alert
		if a.Annotations["newrelic_state"] != "acknowledged" || !a.Firing() {
			continue
		}
		for _, g := range obs[i].Groups {
			err := p.acks.Acknowledge(ctx, g.Key, "New Relic", now)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				p.log.Warn("recording the New Relic acknowledgement failed", "group", g.Key, "err", err)
			}
		}
	}
}

// observations routes each alert: its groups and its repeat interval
// (the shortest of its routes', so no route hears less often than it
// asked).
func (p *Pipeline) observations(alerts []alert.Alert) []store.Observation {
	rs := p.rules.Load()
	obs := make([]store.Observation, len(alerts))
	for i := range alerts {
		a := &alerts[i]
		o := store.Observation{Alert: *a, Inhibits: rs.InhibitKeys(a.Labels)}
		for _, m := range rs.Match(a) {
			opts := &m.Route.Opts
			o.Groups = append(o.Groups, store.GroupRef{
				Key:      m.GroupKey,
				Route:    m.Route.ID,
				Receiver: opts.Receiver,
				Labels:   m.GroupLabels,
				Wait:     opts.GroupWait,
				Interval: opts.GroupInterval,
			})
			if o.RepeatInterval == 0 || opts.RepeatInterval < o.RepeatInterval {
				o.RepeatInterval = opts.RepeatInterval
			}
		}
		obs[i] = o
	}
	return obs
}

func (p *Pipeline) record(ctx context.Context, src alert.Source, a *alert.Alert, v store.Verdict) {
	p.metrics.decisions.WithLabelValues(string(src), string(v.Action), string(v.Reason)).Inc()
	now := p.now()
	p.stats.add(now, "received:"+string(src), 1)
	p.stats.add(now, "alertname:"+a.Name, 1)
	if v.Reason == store.ReasonFlapping {
		p.stats.add(now, "flapping:"+a.Name, 1)
	}
	level := slog.LevelInfo
	if v.Action != store.Notify {
		level = slog.LevelDebug
	}
	p.log.LogAttrs(ctx, level, "alert decided",
		slog.String("source", string(src)),
		slog.String("fingerprint", string(a.Fingerprint)),
		slog.String("alertname", a.Name),
		slog.String("status", string(a.Status)),
		slog.String("severity", string(a.Severity)),
		slog.String("action", string(v.Action)),
		slog.String("reason", string(v.Reason)),
	)
}

// failOpen delivers alerts the store could not decide on: every alert
// notifies, one notification per alert and group, through the
// replica-local outbox. Duplicates are possible (an HA twin pages twice,
// PagerDuty folds them by dedup_key); losing an alert is not. It fails
// only if even the local outbox refuses, and then the sender must retry.
func (p *Pipeline) failOpen(ctx context.Context, now time.Time, src alert.Source, obs []store.Observation, cause error) (Result, error) {
	p.log.Warn("state store unavailable: delivering without deduplication", "source", src, "alerts", len(obs), "err", cause)
	p.metrics.degraded.Add(float64(len(obs)))
	p.metrics.storeErrs.WithLabelValues("observe").Inc()
	res := Result{Accepted: len(obs), Notify: len(obs)}
	for i := range obs {
		p.record(ctx, src, &obs[i].Alert, store.Verdict{Fingerprint: obs[i].Alert.Fingerprint, Action: store.Notify, Reason: store.ReasonDegraded})
		for _, ref := range obs[i].Groups {
			fl := degradedFlush(obs[i].Alert, ref)
			entries, _, err := p.flusher.prepare(ctx, now, &fl)
			if err == nil {
				err = p.fallback.Enqueue(ctx, now, entries...)
			}
			if err != nil {
				return Result{}, fmt.Errorf("fail-open delivery of %s: %w", obs[i].Alert.Fingerprint, err)
			}
		}
	}
	return res, nil
}

// degradedFlush is a one-alert flush for fail-open delivery. Seq 0 marks
// the notification as unordered: it is never taken as newer than what a
// target has already seen.
func degradedFlush(a alert.Alert, ref store.GroupRef) store.Flush {
	m := store.Member{Alert: a, Reason: store.ReasonDegraded}
	if a.Status == alert.StatusResolved {
		m.Flushed = alert.StatusFiring
	}
	return store.Flush{Group: ref, Members: []store.Member{m}}
}
