package router

import (
	"context"
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

// Pipeline is the ingest half of alertgate: normalized alerts in, a
// verdict per alert out, with notifying alerts placed in their groups for
// the Flusher.
//
//	alerts ─> rules.Match (route, group) ─> store.Observe (dedup, group)
//	       ─> Flusher (mute, build, enrich) ─> outbox ─> notify.Worker
type Pipeline struct {
	rules   *atomic.Pointer[rules.Rules]
	dedup   Deduper
	flusher *Flusher
	now     func() time.Time
	log     *slog.Logger
	metrics *metrics
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
		return Result{}, err
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
	return res, nil
}

// observations routes each alert: its groups and its repeat interval
// (the shortest of its routes', so no route hears less often than it
// asked).
func (p *Pipeline) observations(alerts []alert.Alert) []store.Observation {
	rs := p.rules.Load()
	obs := make([]store.Observation, len(alerts))
	for i := range alerts {
		a := &alerts[i]
		o := store.Observation{Alert: *a}
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
