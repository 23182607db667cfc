package redis

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/incident"
	"github.com/alertgate/alertgate/router/store"
)

// GroupSummaries returns, for each incident, what its group holds now,
// from the group's tally (lua/groups.lua) rather than its members: one
// script call per partition the groups fall in, pipelined, so one round
// trip per Redis Cluster shard.
func (s *Store) GroupSummaries(ctx context.Context, incs []incident.Incident) ([]store.GroupSummary, error) {
	out := make([]store.GroupSummary, len(incs))
	if len(incs) == 0 {
		return out, ctx.Err()
	}
	byPart := map[int][]int{} // partition -> indexes into incs
	for i, inc := range incs {
		p := s.partitionOf(inc.Group)
		byPart[p] = append(byPart[p], i)
	}
	parts := slices.Sorted(maps.Keys(byPart))
	calls := make([]scriptCall, len(parts))
	for c, p := range parts {
		k := s.parts[p]
		args := []any{k.base}
		for _, i := range byPart[p] {
			args = append(args, incs[i].Group, boolArg(incs[i].Title == ""))
		}
		calls[c] = scriptCall{s.scripts.groupSummaries, []string{k.due}, args}
	}
	cmds, err := s.runScripts(ctx, calls)
	if err != nil {
		return nil, fmt.Errorf("redis group summaries: %w", err)
	}
	for c, p := range parts {
		res, err := cmds[c].Slice()
		if err != nil {
			return nil, fmt.Errorf("redis group summaries: %w", err)
		}
		for j, i := range byPart[p] {
			l, _ := res[j].([]any)
			r := newReply(l)
			if len(l) > 6 && r.int(6) == 1 {
				s.recounts.Add(1)
			}
			if out[i], err = decodeSummary(incs[i], r); err != nil {
				return nil, fmt.Errorf("redis group summaries: group %s: %w", incs[i].Group, err)
			}
		}
	}
	return out, nil
}

// Recounts returns how many times GroupSummaries found a group's tally
// not adding up and counted the group's members instead: groups formed
// before tallies existed, or whose members expired before the group.
func (s *Store) Recounts() uint64 { return s.recounts.Load() }

// decodeSummary decodes what group_summaries.lua says of inc's group:
// nothing if it is unknown, else opened, members, members not firing,
// source/count pairs, escalated receivers, the first member's record,
// whether the tally was recounted and the first member's alert.
func decodeSummary(inc incident.Incident, r *reply) (store.GroupSummary, error) {
	if len(r.v) == 0 {
		return store.GroupSummary{}, nil
	}
	opened, members, resolved := r.int(0), int(r.int(1)), int(r.int(2))
	sources, escalated, first := r.list(3), r.list(4), r.str(5)
	var body string
	if len(r.v) > 7 {
		body = r.str(7)
	}
	if r.err != nil {
		return store.GroupSummary{}, r.err
	}
	if incident.ID(inc.Group, fromMS(opened)) != inc.ID || opened == 0 {
		return store.GroupSummary{}, nil // a newer occurrence of the group
	}
	sum := store.GroupSummary{Found: true, Members: members, Firing: members - resolved}
	for i := 0; i+1 < len(sources); i += 2 {
		src, _ := sources[i].(string)
		sum.Sources = append(sum.Sources, alert.Source(src))
	}
	slices.Sort(sum.Sources)
	for _, e := range escalated {
		rc, _ := e.(string)
		sum.Escalated = append(sum.Escalated, rc)
	}
	if first != "" {
		m, err := decodeMember(first, body)
		if err != nil {
			return store.GroupSummary{}, err
		}
		sum.Title = m.Alert.Summary()
	}
	return sum, nil
}

// boolArg is a script argument for a flag.
func boolArg(b bool) int {
	if b {
		return 1
	}
	return 0
}
