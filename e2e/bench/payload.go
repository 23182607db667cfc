package main

import (
	"fmt"
	"time"

	"github.com/prometheus/alertmanager/template"
	"github.com/prometheus/common/model"
)

// pool is the set of distinct alerts a run cycles through. The first pass
// is all new alerts; every later pass is the re-send traffic an
// Alertmanager HA pair produces all day, which alertgate must deduplicate.
type pool struct {
	alerts []template.Alert
}

// alertNames are kube-prometheus alerts a busy cluster fires.
var alertNames = []string{
	"KubePodCrashLooping", "KubePodNotReady", "KubeContainerWaiting", "CPUThrottlingHigh",
	"KubeDeploymentReplicasMismatch", "KubeHpaMaxedOut", "TargetDown", "ContainerMemoryNearLimit",
	"NodeFilesystemSpaceFillingUp", "KubePersistentVolumeFillingUp", "KubeJobFailed", "PodRestartingTooOften",
	"KubeStatefulSetReplicasMismatch", "KubeDaemonSetRolloutStuck", "KubeQuotaAlmostFull", "HighLatency",
	"HighErrorRate", "KafkaConsumerGroupLag", "RedisMemoryHigh", "PostgresReplicationLag",
}

// newPool makes n distinct alerts. With catalog set they belong to the
// api service of the example catalog (namespace web, app api), so every
// request also takes part in correlation; otherwise they are in
// namespaces the catalog does not know.
func newPool(n int, catalog bool) *pool {
	start := time.Now().Add(-time.Hour).UTC().Truncate(time.Second)
	namespaces := []string{"payments", "search", "auth", "data", "checkout", "media", "ads", "ml", "infra", "mobile"}
	p := &pool{alerts: make([]template.Alert, n)}
	for i := range p.alerts {
		ns, app := namespaces[i%len(namespaces)], fmt.Sprintf("svc-%d", i%37)
		if catalog {
			ns, app = "web", "api"
		}
		sev := "warning"
		if i%10 == 0 {
			sev = "critical"
		}
		name := alertNames[(i/len(namespaces))%len(alertNames)]
		pod := fmt.Sprintf("%s-7c9f8d6b5-%05d", app, i)
		labels := template.KV{
			"alertname": name, "severity": sev, "namespace": ns, "app": app, "pod": pod,
			"container": app, "cluster": "prod-tokyo", "job": "kube-state-metrics",
			"node":       fmt.Sprintf("ip-10-0-%d-%d.ap-northeast-1.compute.internal", i%3, i%50),
			"prometheus": "monitoring/k8s",
		}
		p.alerts[i] = template.Alert{
			Status:       "firing",
			Labels:       labels,
			Annotations:  template.KV{"summary": name + " on " + pod, "description": "Pod " + ns + "/" + pod + " (" + app + ") needs attention.", "runbook_url": "https://runbooks.example.com/" + name},
			StartsAt:     start.Add(time.Duration(i) * time.Millisecond),
			GeneratorURL: "http://prometheus-k8s-0:9090/graph?g0.expr=ALERTS%7Balertname%3D%22" + name + "%22%7D&g0.tab=1",
			Fingerprint:  fingerprint(labels),
		}
	}
	return p
}

func fingerprint(labels template.KV) string {
	ls := make(model.LabelSet, len(labels))
	for k, v := range labels {
		ls[model.LabelName(k)] = model.LabelValue(v)
	}
	return ls.Fingerprint().String()
}

// chunks splits the pool into batches of size b, in order.
func (p *pool) chunks(b int) [][]template.Alert {
	var out [][]template.Alert
	for i := 0; i < len(p.alerts); i += b {
		out = append(out, p.alerts[i:min(i+b, len(p.alerts))])
	}
	return out
}

// webhooks encodes the pool as Alertmanager webhook bodies of b alerts.
func (p *pool) webhooks(b int) [][]byte {
	var out [][]byte
	for _, as := range p.chunks(b) {
		out = append(out, encodeWebhook(as, template.KV{"alertname": as[0].Labels["alertname"]}))
	}
	return out
}

// postableAlert is an alert as Alertmanager's API v2 takes it, the way
// Prometheus posts it.
type postableAlert struct {
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations"`
	StartsAt     time.Time         `json:"startsAt"`
	EndsAt       time.Time         `json:"endsAt"`
	GeneratorURL string            `json:"generatorURL"`
}

// postable encodes the pool as POST /api/v2/alerts bodies of b alerts.
func (p *pool) postable(b int) [][]byte {
	var out [][]byte
	ends := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	for _, as := range p.chunks(b) {
		out = append(out, encodePostable(as, ends))
	}
	return out
}
