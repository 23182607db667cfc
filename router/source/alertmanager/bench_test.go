package alertmanager

import (
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/prometheus/alertmanager/notify/webhook"
	"github.com/prometheus/alertmanager/template"
)

// benchBody encodes a realistic notification of n alerts with
// Alertmanager's own types.
func benchBody(b *testing.B, n int) []byte {
	b.Helper()
	start := time.Date(2026, 3, 4, 4, 51, 37, 0, time.UTC)
	data := &template.Data{
		Receiver:          "alertgate",
		Status:            "firing",
		GroupLabels:       template.KV{"alertname": "KubePodCrashLooping", "namespace": "payments"},
		CommonLabels:      template.KV{"alertname": "KubePodCrashLooping", "namespace": "payments", "severity": "critical"},
		CommonAnnotations: template.KV{"summary": "Pod is crash looping."},
		ExternalURL:       "http://alertmanager-main-0.monitoring.svc:9093",
	}
	for i := range n {
		pod := "api-7c9f8d6b5-" + strconv.Itoa(10000+i)
		labels := template.KV{
			"alertname": "KubePodCrashLooping", "cluster": "prod-tokyo", "container": "api",
			"job": "kube-state-metrics", "namespace": "payments", "pod": pod, "severity": "critical",
		}
		data.Alerts = append(data.Alerts, template.Alert{
			Status:       "firing",
			Labels:       labels,
			Annotations:  template.KV{"summary": "Pod is crash looping.", "description": "Pod payments/" + pod + " is in waiting state (reason: \"CrashLoopBackOff\")."},
			StartsAt:     start.Add(time.Duration(i) * time.Second),
			GeneratorURL: "http://prometheus-k8s-0:9090/graph?g0.expr=kube_pod_container_status_waiting_reason&g0.tab=1",
			Fingerprint:  labelFingerprint(labels),
		})
	}
	body, err := json.Marshal(webhook.Message{Data: data, Version: "4", GroupKey: `{}:{alertname="KubePodCrashLooping", namespace="payments"}`})
	if err != nil {
		b.Fatal(err)
	}
	return body
}

func BenchmarkParse(b *testing.B) {
	for _, n := range []int{1, 100} {
		b.Run(strconv.Itoa(n)+"alerts", func(b *testing.B) {
			body := benchBody(b, n)
			p := testParser()
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := p.Parse(body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
