package pipeline

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/incident"
	"github.com/alertgate/alertgate/rules"
)

// batchReads are what the flushes of one claim read from the store, read
// once for all of them: the holders of every inhibition key their
// members may be inhibited by (with the inhibitions in their hang-over),
// which of their groups another incident absorbed, and today's sounds
// of their lineages. A storm's claim holds many groups, and these reads
// were most of each flush's round trips. The flushes' sounds are counted
// together too, when they are done (countSounds).
//
// A part the store could not answer is left nil, and each flush then
// reads it for itself, as a flush without a batch (nil *batchReads)
// does.
type batchReads struct {
	holders  map[string][]alert.Fingerprint
	absorbed map[string]string
	sounds   incident.Counters
	day      string

	mu      sync.Mutex
	counted incident.Counters
}

// prefetch reads what the flushes of due will read.
func (f *flusher) prefetch(ctx context.Context, rs *rules.Rules, due []incident.Flush, now time.Time) *batchReads {
	r := &batchReads{day: incident.Day(now), counted: incident.Counters{}}
	var keys []string
	groups := make([]string, 0, len(due))
	lineages := make([]string, 0, len(due))
	for i := range due {
		for _, m := range due[i].Members {
			keys = append(keys, rs.InhibitedBy(m.Alert.Labels)...)
		}
		groups = append(groups, due[i].Group.Key)
		lineages = append(lineages, soundsCounter(lineage(&due[i])))
	}
	// The hang-over of the keys nobody holds and the absorbed marks are
	// one read of the index.
	keys = slices.Compact(slices.Sorted(slices.Values(keys)))
	holders, err := map[string][]alert.Fingerprint{}, error(nil)
	if len(keys) > 0 {
		holders, err = f.e.opts.Store.Inhibitors(ctx, keys)
	}
	marks := prefixed(absorbedMark, groups)
	if err == nil {
		marks = append(marks, hangoverKeys(rs, keys, holders)...)
	}
	if got, ierr := f.e.opts.Store.Indexed(ctx, now, marks); ierr == nil {
		r.absorbed = absorbedOf(got)
		if err == nil {
			addHangover(holders, got)
			r.holders = holders
		}
	}
	if c, err := f.e.opts.Store.CountersOf(ctx, r.day, lineages); err == nil {
		r.sounds = c
	}
	return r
}

// holders returns the alerts that hold each of keys, those in their
// hang-over included.
func (e *Engine) holders(ctx context.Context, rs *rules.Rules, keys []string, now time.Time) (map[string][]alert.Fingerprint, error) {
	holders := map[string][]alert.Fingerprint{}
	if len(keys) == 0 {
		return holders, nil
	}
	keys = slices.Compact(slices.Sorted(slices.Values(keys)))
	holders, err := e.opts.Store.Inhibitors(ctx, keys)
	if err != nil {
		return nil, err
	}
	e.hangingOver(ctx, rs, now, keys, holders)
	return holders, nil
}

// absorbedAll returns the incident that absorbed each of groups, if any;
// nil if the store could not answer.
func (e *Engine) absorbedAll(ctx context.Context, groups []string, now time.Time) map[string]string {
	got, err := e.opts.Store.Indexed(ctx, now, prefixed(absorbedMark, groups))
	if err != nil {
		return nil
	}
	return absorbedOf(got)
}

// absorbedOf picks the absorbed marks out of an index read: the incident
// that last absorbed each group.
func absorbedOf(got map[string][]string) map[string]string {
	out := map[string]string{}
	for k, entries := range got {
		if g, ok := strings.CutPrefix(k, absorbedMark); ok {
			out[g] = entries[len(entries)-1]
		}
	}
	return out
}

// absorbed returns the incident that absorbed a group, if any.
func (e *Engine) absorbed(ctx context.Context, reads *batchReads, group string, now time.Time) (string, bool) {
	if reads != nil && reads.absorbed != nil {
		id, ok := reads.absorbed[group]
		return id, ok
	}
	id, ok := e.absorbedAll(ctx, []string{group}, now)[group]
	return id, ok
}

// sounds returns how often a lineage sounded today.
func (e *Engine) sounds(ctx context.Context, reads *batchReads, id string, now time.Time) (int64, error) {
	if reads != nil && reads.sounds != nil && reads.day == incident.Day(now) {
		return reads.sounds[soundsCounter(id)], nil
	}
	c, err := e.opts.Store.CountersOf(ctx, incident.Day(now), []string{soundsCounter(id)})
	return c[soundsCounter(id)], err
}

// countSound counts one sound of a lineage for its chronic budget: with
// the batch's, when it has one (countSounds writes them).
func (e *Engine) countSound(ctx context.Context, reads *batchReads, id string, now time.Time) {
	if id == "" {
		return
	}
	if reads != nil && reads.day == incident.Day(now) {
		reads.mu.Lock()
		reads.counted[soundsCounter(id)]++
		reads.mu.Unlock()
		return
	}
	if err := e.opts.Store.Count(ctx, incident.Day(now), incident.Counters{soundsCounter(id): 1}); err != nil {
		e.log.Warn("counting a sound failed", "incident", id, "err", err)
	}
}

// countSounds writes the sounds the flushes of a batch counted.
func (e *Engine) countSounds(ctx context.Context, reads *batchReads) {
	reads.mu.Lock()
	counted := reads.counted
	reads.counted = incident.Counters{}
	reads.mu.Unlock()
	if len(counted) == 0 {
		return
	}
	if err := e.opts.Store.Count(ctx, reads.day, counted); err != nil {
		e.log.Warn("counting sounds failed", "incidents", len(counted), "err", err)
	}
}
