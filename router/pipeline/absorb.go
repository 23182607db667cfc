package pipeline

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/incident"
	"github.com/alertgate/alertgate/router/notify"
	"github.com/alertgate/alertgate/router/store"
	"github.com/alertgate/alertgate/rules"
)

// Causes absorb their effects, in both directions of time:
//
//   - An alert that an inhibiting alert would hold back often fires
//     first (a node's pods' targets go down minutes before the node's
//     own alert, whose `for` is longer), and is told as an incident of
//     its own. When the inhibiting alert fires within noise.absorb of
//     it, that incident is moved into the inhibitor's: its message is
//     edited to say so, silently, and it makes no sound of its own
//     again; the inhibitor's notification says what it explains.
//   - When the inhibitor resolves, what it inhibited stays held for
//     noise.hangover, so that alerts recovering with it are never
//     announced; only those still firing after the hang-over are.
//
// Both keep their state in the store's index (store.Index), with the
// window as its time to live (a day for the mark of an absorbed group):
// they are an improvement over telling everything, and a lost
// entry only means the effect is told on its own, as it would be without
// them. A flush reads and writes the index for all its members' keys at
// once: in a storm a group's members hold a key each (their node), and
// a key is shared by many groups (their cluster).

// Keys of absorption and hang-over.
const (
	// absorbIndex indexes the incidents recently told that an alert
	// holding an inhibition key would explain: "absorb:<key>".
	absorbIndex = "absorb:"
	// absorbedMark indexes the incident that absorbed a group:
	// "absorbed:<group key>".
	absorbedMark = "absorbed:"
	// hangoverMark indexes the alerts that held an inhibition key until
	// they resolved: "hangover:<key>".
	hangoverMark = "hangover:"
)

// absorbedFor is how long a group remembers it was absorbed: longer than
// any node or cluster outage keeps its effects firing.
const absorbedFor = 24 * time.Hour

// indexed is one incident in the absorption index.
type indexed struct {
	Group    string `json:"group"`
	Incident string `json:"incident"`
}

// hangover remembers, for the inhibition keys alerts resolving now
// held, that they inhibit for noise.hangover more.
func (e *Engine) hangover(ctx context.Context, rs *rules.Rules, now time.Time, obs []store.Observation, verdicts []incident.Reason) {
	d := rs.Hangover()
	if d <= 0 {
		return
	}
	for i := range obs {
		a := &obs[i].Alert
		if a.Status != alert.StatusResolved || len(obs[i].Inhibits) == 0 {
			continue
		}
		if r := verdicts[i]; r == incident.ReasonDuplicate || r == incident.ReasonStale {
			continue
		}
		if err := e.opts.Store.Index(ctx, now, prefixed(hangoverMark, obs[i].Inhibits), string(a.Fingerprint), d); err != nil {
			e.log.Warn("remembering an inhibition's hang-over failed; its targets may be announced at once", "fingerprint", a.Fingerprint, "err", err)
		}
	}
}

// hangingOver adds to holders the alerts whose inhibition is in its
// hang-over, for the keys nobody holds now: one read of the index for
// all of them.
func (e *Engine) hangingOver(ctx context.Context, rs *rules.Rules, now time.Time, keys []string, holders map[string][]alert.Fingerprint) {
	unheld := hangoverKeys(rs, keys, holders)
	if len(unheld) == 0 {
		return
	}
	got, err := e.opts.Store.Indexed(ctx, now, unheld)
	if err != nil {
		e.log.Warn("reading the inhibitions in their hang-over failed; their targets may be announced", "err", err)
		return
	}
	addHangover(holders, got)
}

// hangoverKeys returns the index keys of the hang-over of the keys
// nobody holds (none when hang-over is off).
func hangoverKeys(rs *rules.Rules, keys []string, holders map[string][]alert.Fingerprint) []string {
	if rs.Hangover() <= 0 {
		return nil
	}
	var unheld []string
	for _, k := range slices.Compact(slices.Sorted(slices.Values(keys))) {
		if len(holders[k]) == 0 {
			unheld = append(unheld, hangoverMark+k)
		}
	}
	return unheld
}

// addHangover adds the hang-over entries of an index read to holders.
func addHangover(holders map[string][]alert.Fingerprint, got map[string][]string) {
	for k, fps := range got {
		k, ok := strings.CutPrefix(k, hangoverMark)
		if !ok {
			continue
		}
		for _, fp := range fps {
			holders[k] = append(holders[k], alert.Fingerprint(fp))
		}
	}
}

// prefixed returns keys, each with prefix.
func prefixed(prefix string, keys []string) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = prefix + k
	}
	return out
}

// index records a flushed incident under the inhibition keys whose
// holders would explain its newly told alerts, for noise.absorb.
func (f *flusher) index(ctx context.Context, rs *rules.Rules, fl *incident.Flush, n *notify.Notification, now time.Time) {
	window := rs.Absorb()
	if window <= 0 || n.IncidentID == "" {
		return
	}
	var keys []string
	for _, m := range fl.Members {
		if m.Changed() && m.Alert.Status == alert.StatusFiring && m.Flushed == "" {
			keys = append(keys, rs.InhibitedBy(m.Alert.Labels)...)
		}
	}
	if len(keys) == 0 {
		return
	}
	b, err := json.Marshal(indexed{fl.Group.Key, n.IncidentID})
	if err == nil {
		keys = prefixed(absorbIndex, slices.Compact(slices.Sorted(slices.Values(keys))))
		err = f.e.opts.Store.Index(ctx, now, keys, string(b), window)
	}
	if err != nil {
		f.e.log.Warn("indexing an incident for absorption failed", "group", fl.Group.Key, "err", err)
	}
}

// indexed returns the incidents indexed under each of keys, in one read.
func (f *flusher) indexed(ctx context.Context, keys []string, now time.Time) map[string][]indexed {
	got, err := f.e.opts.Store.Indexed(ctx, now, prefixed(absorbIndex, keys))
	if err != nil {
		f.e.log.Warn("reading the absorption index failed; earlier effects keep their own messages", "err", err)
		return nil
	}
	out := make(map[string][]indexed, len(got))
	for k, entries := range got {
		for _, e := range entries {
			var x indexed
			if json.Unmarshal([]byte(e), &x) == nil {
				k := strings.TrimPrefix(k, absorbIndex)
				out[k] = append(out[k], x)
			}
		}
	}
	return out
}

// absorb moves into the flushed incident the incidents told shortly
// before whose alerts its newly firing inhibitors explain: each gets a
// silent edit saying where it went, and the inhibitor's notification a
// note of what it explains. It returns the edits to enqueue.
func (f *flusher) absorb(ctx context.Context, rs *rules.Rules, fl *incident.Flush, n *notify.Notification, now time.Time) [][]byte {
	if rs.Absorb() <= 0 || n.IncidentID == "" || n.Status != alert.StatusFiring {
		return nil
	}
	var held []string
	for _, m := range fl.Members {
		if m.Changed() && m.Alert.Status == alert.StatusFiring && m.Flushed == "" {
			held = append(held, rs.InhibitKeys(m.Alert.Labels)...)
		}
	}
	if len(held) == 0 {
		return nil
	}
	held = slices.Compact(slices.Sorted(slices.Values(held)))
	index := f.indexed(ctx, held, now)
	seen := map[string]bool{fl.Group.Key: true}
	var entries [][]byte
	for _, k := range held {
		for _, x := range index[k] {
			if seen[x.Group] {
				continue
			}
			seen[x.Group] = true
			b, names := f.absorbOne(ctx, rs, x, k, fl, n, now)
			entries = append(entries, b...)
			if len(names) > 0 {
				n.Notes = appendOnce(n.Notes, "explains "+strings.Join(names, ", ")+", which fired before it: their messages say so")
			}
		}
	}
	return entries
}

// absorbOne moves one incident into the inhibitor's notification n.
func (f *flusher) absorbOne(ctx context.Context, rs *rules.Rules, x indexed, key string, cause *incident.Flush, n *notify.Notification, now time.Time) ([][]byte, []string) {
	st := f.e.opts.Store
	g, found, err := st.Group(ctx, x.Group)
	if err != nil || !found || g.IncidentID() != x.Incident {
		return nil, nil
	}
	var names []string
	for _, m := range g.Members {
		if m.Alert.Status == alert.StatusFiring && slices.Contains(rs.InhibitedBy(m.Alert.Labels), key) && !slices.Contains(names, m.Alert.Name) {
			names = append(names, m.Alert.Name)
		}
	}
	if len(names) == 0 {
		return nil, nil
	}
	if err := st.Index(ctx, now, []string{absorbedMark + x.Group}, n.IncidentID, absorbedFor); err != nil {
		f.e.log.Warn("marking an absorbed incident failed", "group", x.Group, "err", err)
	}
	fl := g.Flush
	edit := assemble(&fl, notify.KindUpdate, now)
	edit.Seq, edit.Quiet = 0, true
	edit.Notes = append(edit.Notes, absorbedNote(n))
	f.e.recordEvent(ctx, &fl, incident.Incident{}, incident.Event{At: now, Type: incident.EventAbsorbed, Detail: "moved into incident " + n.IncidentID + " (" + n.Title + ")"})
	f.e.recordEvent(ctx, cause, incident.Incident{},
		incident.Event{At: now, Type: incident.EventAbsorbed, Detail: "took in incident " + x.Incident + " (" + strings.Join(names, ", ") + "), which it explains"})
	f.e.log.Info("incident absorbed by its cause", "incident", x.Incident, "into", n.IncidentID, "alerts", names)
	entries, err := f.e.encodeAll(rs, edit, &fl)
	if err != nil {
		f.e.log.Warn("building the absorbed incident's edit failed", "incident", x.Incident, "err", err)
		return nil, names
	}
	return entries, names
}

// absorbedNote is what an absorbed incident's message says.
func absorbedNote(cause *notify.Notification) string {
	return "explained by " + cause.Title + " (incident " + cause.IncidentID + "), which fired after it: followed there"
}
