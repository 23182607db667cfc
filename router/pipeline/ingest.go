package pipeline

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/incident"
	"github.com/alertgate/alertgate/router/dedup"
	"github.com/alertgate/alertgate/router/store"
	"github.com/alertgate/alertgate/rules"
)

// Result summarizes what happened to one request's alerts.
type Result struct {
	Accepted   int `json:"accepted"`
	Notify     int `json:"notify"`
	Suppressed int `json:"suppressed"`
	Dropped    int `json:"dropped"`
	// Degraded counts alerts delivered without deduplication because the
	// state store was unavailable.
	Degraded int `json:"degraded,omitempty"`

	// news are the alerts that told the store something new, encoded as
	// the journal keeps them (appendJournal): all but duplicates and
	// stale reports. A duplicate adds nothing to a re-ingest.
	news  []byte
	nNews int
}

// Ingest routes, deduplicates and groups the alerts of one request, and
// keeps what was news in the journal, to ingest again should the store
// lose its state.
func (e *Engine) Ingest(ctx context.Context, src alert.Source, alerts []alert.Alert) (Result, error) {
	res, err := e.ingest(ctx, src, alerts)
	if err == nil && res.news != nil {
		// Alerts delivered without the store (res.Degraded) are already
		// on their way and were never written to it: they have no news to
		// re-ingest.
		e.journal.add(e.opts.Now(), src, res.nNews, res.news)
	}
	return res, err
}

func (e *Engine) ingest(ctx context.Context, src alert.Source, alerts []alert.Alert) (Result, error) {
	now := e.opts.Now()
	rs := e.setup.Load().rules
	matches, members := e.route(rs, src, alerts)
	corr := e.correlate(ctx, now, rs, alerts, matches, members)
	obs := observations(rs, alerts, matches, corr)
	verdicts, err := e.opts.Store.Observe(ctx, now, obs)
	if err != nil {
		return e.failOpen(ctx, now, src, obs, err)
	}
	res := Result{Accepted: len(alerts)}
	reasons := make([]incident.Reason, len(verdicts))
	var scheduled time.Time
	for i, v := range verdicts {
		reasons[i] = v.Reason
		scheduled = earliest(scheduled, v.Scheduled)
		if e.journaled && v.Reason != incident.ReasonDuplicate && v.Reason != incident.ReasonStale {
			res.news = appendJournal(res.news, &alerts[i], len(alerts)-i)
			res.nNews++
		}
		switch v.Action {
		case dedup.Notify:
			res.Notify++
		case dedup.Suppress:
			res.Suppressed++
		case dedup.Drop:
			res.Dropped++
		}
	}
	e.recordDecisions(ctx, src, alerts, verdicts)
	e.flusher.wakeAt(scheduled)
	e.hangover(ctx, rs, now, obs, reasons)
	e.sourceAcks(ctx, now, obs)
	e.heartbeatsSeen(ctx, now, src, alerts)
	return res, nil
}

// sourceAcks acknowledges the incidents of alerts their source reports as
// acknowledged (a New Relic issue in state ACKNOWLEDGED): someone is on
// it, so escalation stops.
func (e *Engine) sourceAcks(ctx context.Context, now time.Time, obs []store.Observation) {
	for i := range obs {
		a := &obs[i].Alert
		if a.Annotations["newrelic_state"] != "acknowledged" || !a.Firing() {
			continue
		}
		for _, g := range obs[i].Groups {
			if err := e.acknowledgeOnce(ctx, now, g.Key, "New Relic"); err != nil {
				e.log.Warn("recording the New Relic acknowledgement failed", "group", g.Key, "err", err)
			}
		}
	}
}

// route maps each alert to its service (the catalog, or a correlation
// label) and matches it to its routes.
func (e *Engine) route(rs *rules.Rules, src alert.Source, alerts []alert.Alert) ([][]rules.Match, []*rules.Membership) {
	members := make([]*rules.Membership, len(alerts))
	for i := range alerts {
		a := &alerts[i]
		if m, ok := rs.Membership(a); ok {
			members[i] = &m
		}
		if rs.HasCatalog() && (members[i] == nil || !members[i].Catalog) {
			e.metrics.unmapped.WithLabelValues(string(src)).Inc()
			e.log.Debug("alert matches no service of the catalog", "source", src, "fingerprint", a.Fingerprint, "alertname", a.Name)
		}
	}
	return rs.MatchAll(alerts), members
}

// correlate places the alerts of correlating routes in their service's
// incident: only alerts the configuration says belong to a service (the
// catalog, or a correlation label), never by a `service` label alone.
// An alert of a service with no incident of its own joins one of a
// service it depends on that grew within the window: the cause's
// incident absorbs its effects, whichever fired first. Without a store
// answer the routes' own groups are used: fail open, correlation is an
// improvement, not a precondition.
func (e *Engine) correlate(ctx context.Context, now time.Time, rs *rules.Rules, alerts []alert.Alert, matches [][]rules.Match, members []*rules.Membership) []*incident.Correlation {
	var (
		reqs   []store.CorrelateRequest
		idx    []int
		policy incident.CorrelationPolicy
	)
	for i := range alerts {
		if members[i] == nil {
			continue
		}
		svc := members[i].Service
		for _, m := range matches[i] {
			if pol, ok := rs.Correlation(m.Route); ok {
				policy = pol
				related := append(slices.Clone(rs.Dependents(svc)), rs.DependsOn(svc)...)
				reqs = append(reqs, store.CorrelateRequest{Fingerprint: alerts[i].Fingerprint, Firing: alerts[i].Firing(), Service: svc, Dependents: related})
				idx = append(idx, i)
				break
			}
		}
	}
	if len(reqs) == 0 {
		return nil
	}
	got, err := e.opts.Store.Correlate(ctx, now, policy, reqs)
	if err != nil {
		e.log.Warn("correlation unavailable; alerts group by their routes only", "alerts", len(reqs), "err", err)
		return nil
	}
	out := make([]*incident.Correlation, len(alerts))
	for j, c := range got {
		i := idx[j]
		m := members[i]
		if dep, ok := strings.CutPrefix(c.Reason, incident.JoinDependency); ok && slices.Contains(rs.DependsOn(m.Service), dep) {
			c.Reason = incident.JoinCause + dep
		}
		out[i] = &c
		a := &alerts[i]
		if a.Annotations == nil {
			a.Annotations = map[string]string{}
		}
		a.Annotations[correlationAnnotation] = c.Reason + " (incident of " + c.Service + "); service " + m.Service + " by " + m.Rule
		e.metrics.correlations.WithLabelValues(reasonKind(c.Reason)).Inc()
	}
	return out
}

// correlationAnnotation says why an alert joined its incident, and by
// which rule of the configuration.
const correlationAnnotation = "correlation"

// correlatedLabel is the group label naming a correlated incident's
// occurrence; with the service it makes the group.
const correlatedLabel = "incident"

// reasonKind strips the service from a "dependency of <svc>" or "effect
// of <svc>" reason, for a metric label.
func reasonKind(r string) string {
	switch {
	case strings.HasPrefix(r, incident.JoinDependency):
		return "dependency"
	case strings.HasPrefix(r, incident.JoinCause):
		return "effect"
	}
	return r
}

// observations turns routed alerts into what the store decides on: their
// groups (the correlated incident on correlating routes) and their repeat
// interval (the shortest of their routes', so no route hears less often
// than it asked).
func observations(rs *rules.Rules, alerts []alert.Alert, matches [][]rules.Match, corr []*incident.Correlation) []store.Observation {
	obs := make([]store.Observation, len(alerts))
	for i := range alerts {
		a := &alerts[i]
		o := &obs[i] // filled in place: an Observation is a few hundred bytes
		o.Alert, o.Inhibits = *a, rs.InhibitKeys(a.Labels)
		o.Groups = make([]incident.GroupRef, 0, len(matches[i]))
		// The original payload is for debugging the parse of one request;
		// nothing reads it back from the store (no target or page shows
		// it), and it is a third of what a store keeps of a storm's alert.
		o.Alert.Raw = nil
		for _, m := range matches[i] {
			opts := &m.Route.Opts
			ref := incident.GroupRef{
				Key:      m.GroupKey,
				Route:    m.Route.ID,
				Receiver: opts.Receiver,
				Labels:   m.GroupLabels,
				Wait:     opts.GroupWait,
				Interval: opts.GroupInterval,
			}
			if _, ok := rs.Correlation(m.Route); ok && corr != nil && corr[i] != nil {
				ref.Labels = map[string]string{alert.LabelService: corr[i].Service, correlatedLabel: corr[i].Key}
				ref.Key = rules.GroupKey(m.Route.ID, ref.Labels)
			}
			o.Groups = append(o.Groups, ref)
			if o.RepeatInterval == 0 || opts.RepeatInterval < o.RepeatInterval {
				o.RepeatInterval = opts.RepeatInterval
			}
		}
	}
	return obs
}

func (e *Engine) recordDecision(ctx context.Context, src alert.Source, a *alert.Alert, v dedup.Verdict) {
	e.recordDecisions(ctx, src, []alert.Alert{*a}, []dedup.Verdict{v})
}

// recordDecisions counts the verdicts on a webhook's alerts in the
// decisions metric and the noise report's counters, and logs each. A
// storm's webhook of a hundred alerts has a few names and a verdict or
// two: each is counted once, with its number, not once per alert.
func (e *Engine) recordDecisions(ctx context.Context, src alert.Source, alerts []alert.Alert, verdicts []dedup.Verdict) {
	type decision struct {
		action dedup.Action
		reason incident.Reason
	}
	decided := make(map[decision]int, 2)
	counts := incident.Counters{"received:" + string(src): int64(len(verdicts))}
	names := make(map[string]int64, 4)
	for i, v := range verdicts {
		a := &alerts[i]
		decided[decision{v.Action, v.Reason}]++
		names[a.Name]++
		if v.Reason == incident.ReasonFlapping {
			counts["flapping:"+a.Name]++
		}
		e.logDecision(ctx, src, a, v)
	}
	for d, n := range decided {
		e.metrics.decisions.WithLabelValues(string(src), string(d.action), string(d.reason)).Add(float64(n))
	}
	for name, n := range names {
		counts["alertname:"+name] += n
	}
	e.stats.addDay(incident.Day(e.opts.Now()), counts)
}

// logDecision logs an alert's verdict. Like Alertmanager's "Received
// alert", an alert's decision is debug: a storm would log thousands a
// second. Alerts delivered without deduplication (the store was down)
// are worth a line each.
func (e *Engine) logDecision(ctx context.Context, src alert.Source, a *alert.Alert, v dedup.Verdict) {
	level := slog.LevelDebug
	if v.Reason == incident.ReasonDegraded {
		level = slog.LevelInfo
	}
	if !e.log.Enabled(ctx, level) {
		return
	}
	e.log.LogAttrs(ctx, level, "alert decided",
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
func (e *Engine) failOpen(ctx context.Context, now time.Time, src alert.Source, obs []store.Observation, cause error) (Result, error) {
	e.log.Warn("state store unavailable: delivering without deduplication", "source", src, "alerts", len(obs), "err", cause)
	e.metrics.degraded.Add(float64(len(obs)))
	e.metrics.storeErrs.WithLabelValues("observe").Inc()
	res := Result{Accepted: len(obs), Notify: len(obs), Degraded: len(obs)}
	set := e.setup.Load()
	delivered := make([]alert.Alert, 0, len(obs))
	for i := range obs {
		e.recordDecision(ctx, src, &obs[i].Alert, dedup.Verdict{Fingerprint: obs[i].Alert.Fingerprint, Action: dedup.Notify, Reason: incident.ReasonDegraded})
		if err := e.deliverLocally(ctx, now, set, obs[i].Alert, obs[i].Groups); err != nil {
			e.degraded.add(now, src, delivered)
			return Result{}, err
		}
		a := obs[i].Alert
		a.Raw = nil
		delivered = append(delivered, a)
	}
	e.degraded.add(now, src, delivered)
	return res, nil
}

// degradedFlush is a one-alert flush for fail-open delivery. Seq 0 marks
// the notification as unordered: it is never taken as newer than what a
// target has already seen.
func degradedFlush(a alert.Alert, ref incident.GroupRef) incident.Flush {
	m := incident.Member{Alert: a, Reason: incident.ReasonDegraded}
	if a.Status == alert.StatusResolved {
		m.Flushed = alert.StatusFiring
	}
	return incident.Flush{Group: ref, Members: []incident.Member{m}}
}
