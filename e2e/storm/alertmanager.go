package storm

import (
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/alertmanager/notify/webhook"
	"github.com/prometheus/alertmanager/template"
	"github.com/prometheus/common/model"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/replay"
)

// The upstream Alertmanager's route to alertgate, as
// deploy/alertmanager/alertmanager.yml has it: grouped by alert, cluster
// and namespace, flushed every minute, re-sent every hour while nothing
// changes.
const (
	amGroupWait      = 10 * time.Second
	amGroupInterval  = time.Minute
	amRepeatInterval = time.Hour
	amReceiver       = "alertgate"
	// amPeerTimeout is how long the second member of the pair waits for
	// the first one's notification log before it sends too (Alertmanager's
	// --cluster.peer-timeout, 15 s by default, times its position).
	amPeerTimeout = 15 * time.Second
	// amSingleCopy is the share of notifications only one member sends:
	// the other had the first one's log entry in time.
	amSingleCopy = 0.04
)

// amExternalURLs are the two members of the Alertmanager HA pair.
var amExternalURLs = [2]string{
	"http://alertmanager-main-0.monitoring.svc:9093",
	"http://alertmanager-main-1.monitoring.svc:9093",
}

// episode is one firing period of an alert: [start, end); end is zero
// when the alert still fires at the end of the day. start is when the
// condition began (Prometheus's activeAt, the alert's startsAt); the
// alert reaches Alertmanager only once it held for the rule's `for`.
type episode struct{ start, end time.Time }

// promAlert is one alert as Prometheus sends it to Alertmanager, with
// every firing episode of the day.
type promAlert struct {
	labels      map[string]string
	annotations map[string]string
	// pending is the rule's `for`: how long the condition holds before
	// the alert fires.
	pending  time.Duration
	episodes []episode
}

func (a *promAlert) fingerprint() string {
	ls := make(model.LabelSet, len(a.labels))
	for k, v := range a.labels {
		ls[model.LabelName(k)] = model.LabelValue(v)
	}
	return ls.Fingerprint().String()
}

// fires reports whether an episode lasts long enough to fire.
func (a *promAlert) fires(e episode) bool {
	return e.end.IsZero() || e.end.Sub(e.start) > a.pending
}

// at returns the episode in effect at t as Alertmanager sees it: firing
// at t, or the last one that fired and ended at or before t.
func (a *promAlert) at(t time.Time) (ep episode, firing, seen bool) {
	for _, e := range a.episodes {
		if !a.fires(e) {
			continue
		}
		if e.start.Add(a.pending).After(t) {
			break
		}
		ep, seen = e, true
		if e.end.IsZero() || e.end.After(t) {
			return e, true, true
		}
	}
	return ep, false, seen
}

// amSim is the upstream Alertmanager pair: it groups the alerts
// Prometheus sends and posts webhooks to alertgate as Alertmanager
// would.
type amSim struct {
	w      *world
	alerts []*promAlert
}

func (s *amSim) add(a *promAlert) { s.alerts = append(s.alerts, a) }

// groupKey is the route's group_by [alertname, cluster, namespace].
func groupKey(ls map[string]string) string {
	return ls["alertname"] + "\x00" + ls["cluster"] + "\x00" + ls["namespace"]
}

// records simulates the pair over [from, to) and returns its webhooks.
func (s *amSim) records(from, to time.Time) []replay.Record {
	groups := map[string][]*promAlert{}
	for _, a := range s.alerts {
		k := groupKey(a.labels)
		groups[k] = append(groups[k], a)
	}
	var out []replay.Record
	for _, k := range slices.Sorted(maps.Keys(groups)) {
		g := &amGroup{sim: s, alerts: groups[k]}
		out = append(out, g.run(from, to)...)
	}
	return out
}

// amGroup is one aggregation group of the upstream Alertmanager.
type amGroup struct {
	sim    *amSim
	alerts []*promAlert
	// sent is what the last notification said about each alert: the
	// start of the firing episode it reported, or zero once it reported
	// the resolve.
	sent     map[*promAlert]time.Time
	lastSent time.Time
}

// run plays the group's flush loop as Alertmanager's dispatcher does:
// the first notification group_wait after the first alert, then a check
// every group_interval that sends when the firing or resolved alerts
// changed, or repeat_interval after the last notification. A group whose
// alerts all resolved is deleted and formed again by the next alert.
func (g *amGroup) run(from, to time.Time) []replay.Record {
	var out []replay.Record
	t, ok := g.nextFiring(from)
	for ok && t.Before(to) {
		g.sent = map[*promAlert]time.Time{}
		g.lastSent = time.Time{}
		flush := t.Add(amGroupWait)
		if !t.After(from) {
			// Firing since before the day began: the group exists, its
			// flushes are aligned to some earlier time, and it last sent
			// within the repeat interval: what it knows was already told.
			rng := g.sim.w.rng
			flush = from.Add(time.Duration(rng.Int64N(int64(amGroupInterval))))
			g.lastSent = flush.Add(-amGroupInterval * time.Duration(1+rng.IntN(int(amRepeatInterval/amGroupInterval)-1)))
			for _, a := range g.alerts {
				if ep, firing, _ := a.at(from); firing {
					g.sent[a] = ep.start
				}
			}
		}
		for ; flush.Before(to); flush = flush.Add(amGroupInterval) {
			recs, alive := g.flush(flush)
			out = append(out, recs...)
			if !alive {
				break
			}
		}
		t, ok = g.nextFiring(flush)
	}
	return out
}

// nextFiring is the earliest time at or after t when an alert of the
// group fires in Alertmanager.
func (g *amGroup) nextFiring(t time.Time) (time.Time, bool) {
	var best time.Time
	for _, a := range g.alerts {
		for _, e := range a.episodes {
			if !a.fires(e) {
				continue
			}
			c := e.start.Add(a.pending)
			switch {
			case !e.end.IsZero() && !e.end.After(t):
				continue
			case !c.After(t):
				c = t
			}
			if best.IsZero() || c.Before(best) {
				best = c
			}
			break
		}
	}
	return best, !best.IsZero()
}

// flush decides at t whether to notify, and reports whether the group
// still exists afterwards.
func (g *amGroup) flush(t time.Time) ([]replay.Record, bool) {
	type item struct {
		a  *promAlert
		ep episode
		on bool
	}
	var items []item
	changed := false
	for _, a := range g.alerts {
		ep, firing, seen := a.at(t)
		prev, wasSent := g.sent[a]
		switch {
		case firing:
			items = append(items, item{a, ep, true})
			changed = changed || !wasSent || !prev.Equal(ep.start)
		case seen && wasSent && !prev.IsZero():
			// Resolved since it was last reported firing.
			items = append(items, item{a, ep, false})
			changed = true
		}
	}
	firing := 0
	for _, it := range items {
		if it.on {
			firing++
		}
	}
	if len(items) == 0 {
		return nil, false
	}
	if !changed && t.Sub(g.lastSent) < amRepeatInterval {
		return nil, true
	}
	msg := g.message(items[0].a.labels)
	for _, it := range items {
		ta := template.Alert{
			Status:       "firing",
			Labels:       it.a.labels,
			Annotations:  it.a.annotations,
			StartsAt:     it.ep.start.UTC(),
			GeneratorURL: generatorURL(it.a.labels["alertname"]),
			Fingerprint:  it.a.fingerprint(),
		}
		if !it.on {
			ta.Status, ta.EndsAt = "resolved", it.ep.end.UTC()
			g.sent[it.a] = time.Time{}
		} else {
			g.sent[it.a] = it.ep.start
		}
		msg.Alerts = append(msg.Alerts, ta)
	}
	slices.SortFunc(msg.Alerts, func(a, b template.Alert) int { return cmp.Compare(a.Fingerprint, b.Fingerprint) })
	if firing == 0 {
		msg.Status = "resolved"
	}
	setCommon(msg.Data)
	g.lastSent = t
	return g.sim.w.haPair(t, msg), firing > 0
}

func (g *amGroup) message(ls map[string]string) *webhook.Message {
	gl := template.KV{"alertname": ls["alertname"]}
	for _, k := range []string{"cluster", "namespace"} {
		if v := ls[k]; v != "" {
			gl[k] = v
		}
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(gl)) {
		parts = append(parts, fmt.Sprintf("%s=%q", k, gl[k]))
	}
	return &webhook.Message{
		Data: &template.Data{
			Receiver:    amReceiver,
			Status:      "firing",
			GroupLabels: gl,
		},
		Version:  "4",
		GroupKey: "{}:{" + strings.Join(parts, ", ") + "}",
	}
}

// setCommon fills the labels and annotations all alerts share.
func setCommon(d *template.Data) {
	d.CommonLabels = common(d.Alerts, func(a template.Alert) template.KV { return a.Labels })
	d.CommonAnnotations = common(d.Alerts, func(a template.Alert) template.KV { return a.Annotations })
}

func common(as []template.Alert, kv func(template.Alert) template.KV) template.KV {
	out := template.KV{}
	if len(as) == 0 {
		return out
	}
	maps.Copy(out, kv(as[0]))
	for _, a := range as[1:] {
		for k, v := range out {
			if kv(a)[k] != v {
				delete(out, k)
			}
		}
	}
	return out
}

func generatorURL(alertname string) string {
	return "http://prometheus-k8s-0:9090/graph?g0.expr=ALERTS%7Balertname%3D%22" + alertname + "%22%7D&g0.tab=1"
}

// haPair returns the webhooks the HA pair sends for one notification:
// the first member's at once, and the second member's a peer timeout
// later, unless it had the first one's notification log in time (a few
// percent of notifications). alertgate must not care either way.
func (w *world) haPair(t time.Time, msg *webhook.Message) []replay.Record {
	var out []replay.Record
	for i, url := range amExternalURLs {
		at := t.Add(time.Duration(w.rng.Int64N(int64(500 * time.Millisecond))))
		if i == 1 {
			if w.rng.Float64() < amSingleCopy {
				continue
			}
			at = at.Add(amPeerTimeout + time.Duration(w.rng.Int64N(int64(2*time.Second))))
		}
		m := *msg
		d := *msg.Data
		d.ExternalURL = url
		m.Data = &d
		out = append(out, record(at, alert.SourceAlertmanager, nil, &m))
	}
	return out
}

// record encodes one webhook as a trace line.
func record(at time.Time, src alert.Source, header map[string]string, body any) replay.Record {
	b, err := json.Marshal(body)
	if err != nil {
		panic(fmt.Sprintf("storm: encoding a %s webhook: %v", src, err)) // only our own types
	}
	return replay.Record{At: at.UTC().Truncate(time.Millisecond), Source: src, Header: header, Body: b}
}
