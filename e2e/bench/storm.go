package main

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/prometheus/alertmanager/notify/webhook"
	"github.com/prometheus/alertmanager/template"
)

// stormShape is the storm regime's population of alerts: names alert
// names fire on instances instances each, spread over services services,
// and routing groups them by [alertname, service] (the example
// configuration's group_by, and the bench Alertmanager's). A storm is
// mostly alerts never seen before, in many groups: the opposite of the
// re-send regime, where every alert after the first pass is a duplicate.
type stormShape struct {
	names, instances, services int
}

// defaultStorm is the storm: 50 alert names × 10,000 instances
// over 100 services, so 5,000 groups of 100 alerts.
var defaultStorm = stormShape{names: 50, instances: 10000, services: 100}

// size is the number of distinct alerts.
func (s stormShape) size() int { return s.names * s.instances }

// groupSize is the number of alerts of one group.
func (s stormShape) groupSize() int { return s.instances / s.services }

// resendEvery and resendBack shape the re-sends mixed into a storm: after
// every resendEvery new requests, the request resendBack places earlier
// comes again (the other member of an Alertmanager HA pair, or a sender's
// retry), so 1/(resendEvery+1) of the requests — 14 % — are re-sends
// and 86 % carry label sets never seen before.
const (
	resendEvery = 6
	resendBack  = 3
)

// alert returns the storm's i-th alert. Alerts come group by group, the
// groups' alert names interleaved (a storm fires many alert names at
// once), so that requests of batch ≤ groupSize alerts hold one group each,
// as an Alertmanager webhook does.
func (s stormShape) alert(i int, start time.Time) template.Alert {
	gs := s.groupSize()
	g, m := i/gs, i%gs
	name := fmt.Sprintf("%s%02d", alertNames[g%len(alertNames)], g%s.names)
	svc := fmt.Sprintf("svc-%03d", g/s.names) // waves after the first: services after the first s.services
	inst := fmt.Sprintf("%s-%05d", svc, (g/s.names)*gs+m)
	sev := "warning"
	if g%10 == 0 {
		sev = "critical"
	}
	labels := template.KV{
		"alertname": name, "severity": sev, "namespace": "storm", "service": svc, "instance": inst,
		"pod": inst + "-7c9f8d6b5", "cluster": "prod-tokyo", "job": "node-exporter",
		"node":       fmt.Sprintf("ip-10-1-%d-%d.ap-northeast-1.compute.internal", m%4, m),
		"prometheus": "monitoring/k8s",
	}
	return template.Alert{
		Status:       "firing",
		Labels:       labels,
		Annotations:  template.KV{"summary": name + " on " + inst, "description": "Instance " + inst + " of " + svc + " needs attention.", "runbook_url": "https://runbooks.example.com/" + name},
		StartsAt:     start.Add(time.Duration(i) * time.Millisecond),
		GeneratorURL: "http://prometheus-k8s-0:9090/graph?g0.expr=ALERTS%7Balertname%3D%22" + name + "%22%7D&g0.tab=1",
		Fingerprint:  fingerprint(labels),
	}
}

// waves is how many times over a run of d sends the storm, each wave on
// services of its own (the storm's shape again: new label sets, new
// groups of the same size), so that the run stays a storm of new alerts
// whatever the rate: enough waves for 20,000 requests a second, up to
// 100,000 alerts a second. A server that took more would see re-sends
// (the "new %" column says so).
func (s stormShape) waves(batch int, d time.Duration) int {
	rate := min(20000*batch, 100000)
	return max(1, int(math.Ceil(float64(rate)*d.Seconds()/float64(s.size()))))
}

// bodies encodes waves of the storm as request bodies of batch alerts
// each, webhook v4 bodies for alertgate or POST /api/v2/alerts bodies
// for Alertmanager, and lays them out in the order they are sent: the
// distinct bodies with the re-sends mixed in. fresh[k] says whether
// request k carries alerts sent for the first time.
func (s stormShape) bodies(batch, waves int, postable bool) (out [][]byte, fresh []bool) {
	start := time.Now().Add(-time.Minute).UTC().Truncate(time.Second)
	ends := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	as := make([]template.Alert, 0, batch)
	var distinct int
	size := waves * s.size()
	for i := 0; i < size; i += batch {
		as = as[:0]
		for j := i; j < min(i+batch, size); j++ {
			as = append(as, s.alert(j, start))
		}
		var body []byte
		if postable {
			body = encodePostable(as, ends)
		} else {
			body = encodeWebhook(as, template.KV{"alertname": as[0].Labels["alertname"], "service": as[0].Labels["service"]})
		}
		out, fresh = append(out, body), append(fresh, true)
		distinct++
		if distinct%resendEvery == 0 && len(out) > resendBack {
			out, fresh = append(out, out[len(out)-1-resendBack]), append(fresh, false)
		}
	}
	return out, fresh
}

// encodeWebhook is an Alertmanager webhook (version 4) body of one group.
func encodeWebhook(as []template.Alert, groupLabels template.KV) []byte {
	d := &template.Data{
		Receiver:     "alertgate",
		Status:       "firing",
		Alerts:       as,
		GroupLabels:  groupLabels,
		CommonLabels: template.KV{"cluster": "prod-tokyo"},
		ExternalURL:  "http://alertmanager-main-0.monitoring.svc:9093",
	}
	var pairs []string
	for _, p := range groupLabels.SortedPairs() {
		pairs = append(pairs, p.Name+`="`+p.Value+`"`)
	}
	key := "{}:{" + strings.Join(pairs, ",") + "}"
	body, err := json.Marshal(webhook.Message{Data: d, Version: "4", GroupKey: key})
	if err != nil {
		panic(err)
	}
	return body
}

// encodePostable is a POST /api/v2/alerts body, as Prometheus posts it.
// EndsAt is far ahead, as Prometheus sets it (its resend delay times
// four), so no alert resolves during the run.
func encodePostable(as []template.Alert, ends time.Time) []byte {
	pa := make([]postableAlert, len(as))
	for i, a := range as {
		pa[i] = postableAlert{Labels: a.Labels, Annotations: a.Annotations, StartsAt: a.StartsAt, EndsAt: ends, GeneratorURL: a.GeneratorURL}
	}
	body, err := json.Marshal(pa)
	if err != nil {
		panic(err)
	}
	return body
}
