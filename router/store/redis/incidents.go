package redis

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/incident"
	"github.com/alertgate/alertgate/router/store"
)

// RecordIncident merges u into the incident u.ID (creating it) with the
// rules of incident.Incident.Merge and appends events to its timeline, in
// one script call, so concurrent writers never lose each other's facts.
func (s *Store) RecordIncident(ctx context.Context, u incident.Incident, events ...incident.Event) error {
	args, err := s.incidentArgs(u, events)
	if err != nil {
		return fmt.Errorf("redis record incident %s: %w", u.ID, err)
	}
	keys := []string{s.keys.incident(u.ID), s.keys.timeline(u.ID), s.keys.incidents, s.keys.open, s.keys.resolved, s.keys.cards}
	if err := s.call(ctx, s.scripts.recordIncident, keys, args...).Err(); err != nil {
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
	args := make([]any, 0, 19+len(events))
	args = append(args, s.keys.base, s.opts.IncidentRetention.Milliseconds(), incident.MaxTimelineEvents,
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
	inc, err := recordOf(h.Val()).decode()
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
	out, err := s.listIncidents(ctx, s.keys.incidents, now, since, limit)
	if err != nil {
		return nil, fmt.Errorf("redis incidents: %w", err)
	}
	store.SortIncidents(out)
	return out[:min(len(out), max(limit, 0))], nil
}

// ResolvedIncidents lists the incidents resolved at or after since,
// newest first, at most limit (the most recently resolved), forgetting
// those opened longer than the retention period ago, in one script call.
func (s *Store) ResolvedIncidents(ctx context.Context, now, since time.Time, limit int) ([]incident.Incident, error) {
	out, err := s.listIncidents(ctx, s.keys.resolved, now, since, limit)
	if err != nil {
		return nil, fmt.Errorf("redis resolved incidents: %w", err)
	}
	return store.LatestResolved(out, limit), nil
}

// listIncidents runs list_incidents.lua on index and decodes what it
// returns: the newest limit incidents scored since or later, and those
// tied with the last of them, in no particular order.
func (s *Store) listIncidents(ctx context.Context, index string, now, since time.Time, limit int) ([]incident.Incident, error) {
	res, err := s.call(ctx, s.scripts.listIncidents, []string{index},
		s.keys.base, ms(now), ms(since), limit, s.opts.IncidentRetention.Milliseconds()).Slice()
	if err != nil {
		return nil, err
	}
	out := make([]incident.Incident, 0, len(res))
	for _, x := range res {
		f := recordOf(pairStrings(asList(x)))
		inc, err := f.decode()
		if err != nil {
			return nil, err
		}
		out = append(out, inc)
	}
	return out, nil
}

// OpenIncidents lists the incidents that are not resolved, newest first,
// at most limit, forgetting those opened longer than the retention
// period ago, in one script call that reads their cards (one string
// each, lua/incidents.lua) rather than their hashes.
func (s *Store) OpenIncidents(ctx context.Context, now time.Time, limit int) ([]incident.Incident, error) {
	cards, err := s.call(ctx, s.scripts.openIncidents, []string{s.keys.open},
		s.keys.base, ms(now), limit, s.opts.IncidentRetention.Milliseconds()).StringSlice()
	if err != nil {
		return nil, fmt.Errorf("redis open incidents: %w", err)
	}
	out := make([]incident.Incident, 0, len(cards))
	for _, c := range cards {
		f, err := splitCard(c)
		if err != nil {
			return nil, fmt.Errorf("redis open incidents: %w", err)
		}
		inc, err := f.decode()
		if err != nil {
			return nil, fmt.Errorf("redis open incidents: %w", err)
		}
		out = append(out, inc)
	}
	store.SortIncidents(out)
	return out[:min(len(out), max(limit, 0))], nil
}

// incidentFields are the fields of an incident's hash, in the order of
// INCIDENT_FIELDS in lua/incidents.lua. It is never written to.
var incidentFields = [...]string{"id", "group", "title", "receiver", "severity", "severityRank", "service",
	"labels", "runbook", "startsAt", "opened", "notified", "ackedBy", "ackedAt", "resolvedAt", "status"}

// incidentRecord holds the values of an incident's hash, in the order of
// incidentFields.
type incidentRecord [len(incidentFields)]string

// The index of each field in an incidentRecord.
const (
	fieldID = iota
	fieldGroup
	fieldTitle
	fieldReceiver
	fieldSeverity
	fieldSeverityRank
	fieldService
	fieldLabels
	fieldRunbook
	fieldStartsAt
	fieldOpened
	fieldNotified
	fieldAckedBy
	fieldAckedAt
	fieldResolvedAt
	fieldStatus
)

// recordOf lays out an incident's hash as an incidentRecord.
func recordOf(h map[string]string) incidentRecord {
	var f incidentRecord
	for i, name := range incidentFields {
		f[i] = h[name]
	}
	return f
}

// splitCard splits an incident's card (lua/incidents.lua): each field as
// <length>:<bytes>, in the order of incidentFields.
func splitCard(card string) (incidentRecord, error) {
	var f incidentRecord
	for i := range f {
		n, rest, ok := strings.Cut(card, ":")
		size, err := strconv.Atoi(n)
		if !ok || err != nil || size < 0 || size > len(rest) {
			return f, fmt.Errorf("malformed incident card at field %s", incidentFields[i])
		}
		f[i], card = rest[:size], rest[size:]
	}
	if card != "" {
		return f, fmt.Errorf("malformed incident card: %d bytes after the last field", len(card))
	}
	return f, nil
}

// decode builds the Incident (record_incident.lua wrote it).
func (f incidentRecord) decode() (incident.Incident, error) {
	var err error
	num := func(i int) time.Time {
		n, e := strconv.ParseInt(f[i], 10, 64)
		err = cmp.Or(err, e)
		return fromMS(n)
	}
	inc := incident.Incident{
		ID: f[fieldID], Group: f[fieldGroup], Title: f[fieldTitle], Receiver: f[fieldReceiver],
		Severity: alert.Severity(f[fieldSeverity]), Service: f[fieldService], Runbook: f[fieldRunbook],
		StartsAt: num(fieldStartsAt), Opened: num(fieldOpened), Notified: num(fieldNotified),
		AckedBy: f[fieldAckedBy], AckedAt: num(fieldAckedAt), ResolvedAt: num(fieldResolvedAt), Status: f[fieldStatus],
	}
	if err != nil {
		return inc, fmt.Errorf("incident %s: %w", inc.ID, err)
	}
	if l := f[fieldLabels]; l != "" {
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
