package redis

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/incident"
)

// RecordIncident merges u into the incident u.ID (creating it) with the
// rules of incident.Incident.Merge and appends events to its timeline, in
// one script call, so concurrent writers never lose each other's facts.
func (s *Store) RecordIncident(ctx context.Context, u incident.Incident, events ...incident.Event) error {
	args, err := s.incidentArgs(u, events)
	if err != nil {
		return fmt.Errorf("redis record incident %s: %w", u.ID, err)
	}
	keys := []string{s.keys.incident(u.ID), s.keys.timeline(u.ID), s.keys.incidents}
	if err := s.scripts.recordIncident.Run(ctx, s.client, keys, args...).Err(); err != nil {
		return fmt.Errorf("redis record incident %s: %w", u.ID, err)
	}
	return nil
}

// incidentArgs lays out ARGV as record_incident.lua reads it.
func (s *Store) incidentArgs(u incident.Incident, events []incident.Event) ([]any, error) {
	labels := ""
	if len(u.Labels) > 0 {
		js, err := json.Marshal(u.Labels)
		if err != nil {
			return nil, err
		}
		labels = string(js)
	}
	args := make([]any, 0, 18+len(events))
	args = append(args, s.opts.IncidentRetention.Milliseconds(), incident.MaxTimelineEvents,
		u.ID, u.Group, u.Title, u.Receiver, string(u.Severity), u.Severity.Rank(), u.Service,
		labels, u.Runbook, ms(u.StartsAt), ms(u.Opened), ms(u.Notified), u.AckedBy, ms(u.AckedAt),
		ms(u.ResolvedAt), u.Status)
	for _, e := range events {
		js, err := json.Marshal(e)
		if err != nil {
			return nil, err
		}
		args = append(args, js)
	}
	return args, nil
}

// Incident returns an incident and its timeline in order of time, in one
// round trip.
func (s *Store) Incident(ctx context.Context, id string) (incident.Incident, []incident.Event, bool, error) {
	var h *goredis.MapStringStringCmd
	var tl *goredis.StringSliceCmd
	_, err := s.client.TxPipelined(ctx, func(p goredis.Pipeliner) error {
		h = p.HGetAll(ctx, s.keys.incident(id))
		tl = p.LRange(ctx, s.keys.timeline(id), 0, -1)
		return nil
	})
	if err != nil {
		return incident.Incident{}, nil, false, fmt.Errorf("redis incident %s: %w", id, err)
	}
	if len(h.Val()) == 0 {
		return incident.Incident{}, nil, false, nil
	}
	inc, err := decodeIncident(h.Val())
	if err != nil {
		return incident.Incident{}, nil, false, fmt.Errorf("redis incident %s: %w", id, err)
	}
	events := make([]incident.Event, len(tl.Val()))
	for i, js := range tl.Val() {
		if err := json.Unmarshal([]byte(js), &events[i]); err != nil {
			return incident.Incident{}, nil, false, fmt.Errorf("redis incident %s: event %d: %w", id, i, err)
		}
	}
	slices.SortStableFunc(events, func(a, b incident.Event) int { return a.At.Compare(b.At) })
	return inc, events, true, nil
}

// Incidents lists incidents opened at or after since, newest first, at
// most limit, forgetting those opened longer than the retention period
// ago, in one script call.
func (s *Store) Incidents(ctx context.Context, now, since time.Time, limit int) ([]incident.Incident, error) {
	res, err := s.scripts.listIncidents.Run(ctx, s.client, []string{s.keys.incidents},
		s.keys.base, ms(now), ms(since), limit, s.opts.IncidentRetention.Milliseconds()).Slice()
	if err != nil {
		return nil, fmt.Errorf("redis incidents: %w", err)
	}
	out := make([]incident.Incident, 0, len(res))
	for _, x := range res {
		inc, err := decodeIncident(pairStrings(asList(x)))
		if err != nil {
			return nil, fmt.Errorf("redis incidents: %w", err)
		}
		out = append(out, inc)
	}
	slices.SortFunc(out, func(a, b incident.Incident) int { return cmp.Or(b.Opened.Compare(a.Opened), cmp.Compare(a.ID, b.ID)) })
	return out[:min(len(out), max(limit, 0))], nil
}

// decodeIncident builds an Incident from its hash (record_incident.lua).
func decodeIncident(h map[string]string) (incident.Incident, error) {
	var err error
	num := func(f string) time.Time {
		n, e := strconv.ParseInt(h[f], 10, 64)
		err = cmp.Or(err, e)
		return fromMS(n)
	}
	inc := incident.Incident{
		ID: h["id"], Group: h["group"], Title: h["title"], Receiver: h["receiver"],
		Severity: alert.Severity(h["severity"]), Service: h["service"], Runbook: h["runbook"],
		StartsAt: num("startsAt"), Opened: num("opened"), Notified: num("notified"),
		AckedBy: h["ackedBy"], AckedAt: num("ackedAt"), ResolvedAt: num("resolvedAt"), Status: h["status"],
	}
	if err != nil {
		return inc, fmt.Errorf("incident %s: %w", inc.ID, err)
	}
	if l := h["labels"]; l != "" {
		if err := json.Unmarshal([]byte(l), &inc.Labels); err != nil {
			return inc, fmt.Errorf("incident %s labels: %w", inc.ID, err)
		}
	}
	return inc, nil
}

// pairStrings turns a flat field/value array of strings into a map.
func pairStrings(kv []any) map[string]string {
	m := make(map[string]string, len(kv)/2)
	for k, v := range pairs(kv) {
		m[k], _ = v.(string)
	}
	return m
}

// Count adds to the day's counters, in one round trip. The day's hash is
// kept for the incident retention period after its last write.
func (s *Store) Count(ctx context.Context, day string, add incident.Counters) error {
	if len(add) == 0 {
		return ctx.Err()
	}
	key := s.keys.counters(day)
	_, err := s.client.TxPipelined(ctx, func(p goredis.Pipeliner) error {
		for k, v := range add {
			p.HIncrBy(ctx, key, k, v)
		}
		p.PExpire(ctx, key, s.opts.IncidentRetention)
		return nil
	})
	if err != nil {
		return fmt.Errorf("redis count %s: %w", day, err)
	}
	return nil
}

// Counters returns the counters of the given days, in one round trip;
// days without counters are absent from the result.
func (s *Store) Counters(ctx context.Context, days []string) (map[string]incident.Counters, error) {
	out := map[string]incident.Counters{}
	if len(days) == 0 {
		return out, ctx.Err()
	}
	cmds := make([]*goredis.MapStringStringCmd, len(days))
	_, err := s.client.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for i, d := range days {
			cmds[i] = p.HGetAll(ctx, s.keys.counters(d))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("redis counters: %w", err)
	}
	for i, d := range days {
		h := cmds[i].Val()
		if len(h) == 0 {
			continue
		}
		c := make(incident.Counters, len(h))
		for k, v := range h {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return nil, fmt.Errorf("redis counters %s %s: %w", d, k, err)
			}
			c[k] = n
		}
		out[d] = c
	}
	return out, nil
}
