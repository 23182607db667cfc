package storm

import (
	"fmt"
	"time"
)

// background is the steady noise of a big cluster: warnings that fire
// all day (CPU throttling, filling disks, a maxed-out autoscaler,
// certificates to renew) and targets that come and go. Alertmanager
// re-sends them every repeat_interval; none is an incident.
func (w *world) background() {
	dayStart, dayEnd := w.day, w.day.Add(24*time.Hour)
	allDay := episode{start: dayStart.Add(-3 * time.Hour)}
	namespaces := []string{"payments", "search", "auth", "data", "monitoring", "web"}
	for i := range 96 {
		ns := namespaces[i%len(namespaces)]
		app := map[string]string{"payments": "ledger", "search": "indexer", "auth": "sessions", "data": "etl", "monitoring": "grafana", "web": "frontend"}[ns]
		pod := w.pod(app, "5d8c7b9f4")
		w.prom(map[string]string{
			"alertname": "CPUThrottlingHigh", "severity": "info", "namespace": ns, "pod": pod, "container": app,
			"app": app, "node": w.node(), "job": "kubelet",
		}, map[string]string{
			"summary":     "Processes experience elevated CPU throttling.",
			"description": fmt.Sprintf("%d%% throttling of CPU in namespace %s for container %s in pod %s.", 26+w.rng.IntN(60), ns, app, pod),
			"runbook_url": "https://runbooks.prometheus-operator.dev/runbooks/kubernetes/cputhrottlinghigh",
		}, allDay)
	}
	for i, n := range w.nodes()[:6] {
		w.prom(map[string]string{
			"alertname": "NodeFilesystemSpaceFillingUp", "severity": "warning", "namespace": "monitoring", "node": n,
			"instance": n + ":9100", "device": "/dev/nvme0n1p1", "mountpoint": "/", "job": "node-exporter",
		}, map[string]string{
			"summary":     "Filesystem is predicted to run out of space within the next 24 hours.",
			"description": fmt.Sprintf("Filesystem on /dev/nvme0n1p1 at %s has only %d%% available space left and is filling up.", n, 12+i*3),
		}, allDay)
	}
	for i := range 12 {
		pod := w.pod("preview-"+w.word(4), "55f6c7d8e")
		w.prom(map[string]string{"alertname": "KubeContainerWaiting", "severity": "warning", "namespace": "sandbox", "pod": pod, "container": "app", "node": w.node(), "job": "kube-state-metrics"},
			map[string]string{"summary": "Pod container waiting longer than 1 hour", "description": fmt.Sprintf("pod/%s in namespace sandbox on container app has been in waiting state (ImagePullBackOff) for %d hours.", pod, 2+i)}, allDay)
	}
	for i := range 8 {
		pvc := fmt.Sprintf("data-postgres-%d", i)
		w.prom(map[string]string{"alertname": "KubePersistentVolumeFillingUp", "severity": "warning", "namespace": "data", "persistentvolumeclaim": pvc, "job": "kubelet"},
			map[string]string{"summary": "PersistentVolume is filling up.", "description": fmt.Sprintf("The PersistentVolume claimed by %s in namespace data is only %d%% free.", pvc, 9+i)}, allDay)
	}
	w.prom(map[string]string{"alertname": "KubeHpaMaxedOut", "severity": "warning", "namespace": "search", "horizontalpodautoscaler": "indexer", "job": "kube-state-metrics"},
		map[string]string{"summary": "HPA is running at max replicas"}, allDay)
	for _, name := range []string{"api.example.com", "admin.example.com"} {
		w.prom(map[string]string{"alertname": "CertificateExpiringSoon", "severity": "info", "namespace": "monitoring", "domain": name, "job": "blackbox"},
			map[string]string{"summary": "TLS certificate of " + name + " expires in 19 days"}, allDay)
	}
	// Probes that fail now and then for a few minutes.
	for _, target := range []string{"https://status.example.com", "https://docs.example.com", "https://partner-api.example.net/health"} {
		var eps []episode
		for t := w.between(dayStart, dayStart.Add(3*time.Hour)); t.Before(dayEnd); t = t.Add(2*time.Hour + w.jitter(4*time.Hour)) {
			eps = append(eps, episode{start: t, end: t.Add(6*time.Minute + w.jitter(40*time.Minute))})
		}
		w.prom(map[string]string{"alertname": "TargetDown", "severity": "warning", "namespace": "monitoring", "job": "blackbox", "instance": target},
			map[string]string{"summary": "Probe of " + target + " failed"}, eps...)
	}
}

// shortWarnings are warnings that fire for minutes somewhere in the
// cluster and go away by themselves: noise, not incidents.
func (w *world) shortWarnings() {
	kinds := []struct{ name, summary string }{
		{"KubePodCrashLooping", "Pod is crash looping."},
		{"KubeContainerWaiting", "Pod container waiting longer than 1 hour"},
		{"ContainerMemoryNearLimit", "Container memory usage is above 90% of its limit."},
		{"KubeDeploymentReplicasMismatch", "Deployment has not matched the expected number of replicas."},
		{"PodRestartingTooOften", "Pod restarted more than 3 times in 30 minutes."},
	}
	apps := map[string]string{"payments": "ledger", "search": "indexer", "auth": "sessions", "data": "etl"}
	namespaces := []string{"payments", "search", "auth", "data"}
	failed := w.nodes()[3]
	for range 40 {
		k := kinds[w.rng.IntN(len(kinds))]
		ns := namespaces[w.rng.IntN(len(namespaces))]
		start := w.between(w.day, w.day.Add(24*time.Hour))
		w.prom(map[string]string{
			"alertname": k.name, "severity": "warning", "namespace": ns, "pod": w.pod(apps[ns], "7f6d5c4b3"),
			"app": apps[ns], "node": w.node(failed), "job": "kube-state-metrics",
		}, map[string]string{"summary": k.summary},
			episode{start: start, end: start.Add(6*time.Minute + w.jitter(35*time.Minute))})
	}
}

// nightlyBatch is the batch window, 01:00 to 06:00: jobs that run long
// and fail once before a retry succeeds, all noise, except that
// nightly-export fails at 02:10 and keeps failing until someone reruns it
// in the morning. That one must reach the batch channel, and no batch
// alert may page.
func (w *world) nightlyBatch() {
	jobs := []string{"nightly-export", "nightly-reindex", "ledger-reconcile", "thumbnail-rebuild", "search-compaction", "billing-rollup"}
	for _, job := range jobs {
		ls := func(name, sev string) map[string]string {
			return map[string]string{"alertname": name, "severity": sev, "namespace": "batch", "job_type": "batch", "job_name": job, "cronjob": job, "job": "kube-state-metrics"}
		}
		start := w.between(w.at(1, 20), w.at(2, 30))
		w.prom(ls("BatchJobRunningLong", "warning"), map[string]string{"summary": "Job " + job + " has been running for more than 1 hour."},
			episode{start: start, end: start.Add(30*time.Minute + w.jitter(90*time.Minute))})
		if job == "nightly-export" {
			continue
		}
		fail := w.between(w.at(1, 30), w.at(4, 0))
		w.prom(ls("BatchJobFailed", "critical"), map[string]string{"summary": "Job " + job + " failed; retrying."},
			episode{start: fail, end: fail.Add(10*time.Minute + w.jitter(50*time.Minute))})
	}
	failed := map[string]string{"alertname": "BatchJobFailed", "severity": "critical", "namespace": "batch", "job_type": "batch", "job_name": "nightly-export", "cronjob": "nightly-export", "job": "kube-state-metrics"}
	start, end := w.at(2, 10), w.at(9, 40)
	w.prom(failed, map[string]string{"summary": "Job nightly-export failed 3 times; no retries left."}, episode{start: start, end: end})
	w.incident(Incident{
		ID: "batch-export-failed", Title: "nightly-export failed and stayed failed until rerun", Severity: "critical",
		Start: start, End: end, Page: PageNever,
		Alerts: []Labels{{"alertname": "BatchJobFailed", "job_name": "nightly-export"}},
	})
}

// nodeFailure: a worker node stops answering at night. The node alert
// must page; its pods' alerts are explained by it and must be inhibited.
func (w *world) nodeFailure(at time.Time, node string) {
	end := at.Add(52 * time.Minute)
	w.prom(map[string]string{"alertname": "KubeNodeNotReady", "severity": "critical", "node": node, "job": "kube-state-metrics"},
		map[string]string{"summary": "Node is not ready.", "description": node + " has been unready for more than 15 minutes."},
		episode{start: at, end: end})
	w.prom(map[string]string{"alertname": "KubeNodeUnreachable", "severity": "warning", "node": node, "job": "kube-state-metrics"},
		map[string]string{"summary": "Node is unreachable.", "description": node + " is unreachable and some workloads may be rescheduled."},
		episode{start: at.Add(2 * time.Minute), end: end.Add(-time.Minute)})
	w.incident(Incident{
		ID: "node-failure", Title: "worker node " + node + " not ready", Severity: "critical",
		Start: at, End: end, Page: PageMust,
		Alerts: []Labels{{"alertname": "KubeNodeNotReady", "node": node}},
	})
	pods := []struct{ ns, app string }{
		{"payments", "ledger"}, {"payments", "ledger"}, {"payments", "gateway"}, {"payments", "gateway"}, {"payments", "ledger"}, {"payments", "fraud"},
		{"search", "indexer"}, {"search", "indexer"}, {"search", "query"}, {"search", "query"}, {"search", "query"},
		{"auth", "sessions"}, {"auth", "sessions"}, {"auth", "tokens"}, {"auth", "tokens"},
		{"web", "api"}, {"web", "api"}, {"web", "api"},
	}
	for i, p := range pods {
		pod := w.pod(p.app, "6b7c8d9e0")
		base := map[string]string{"namespace": p.ns, "app": p.app, "pod": pod, "node": node, "job": "kube-state-metrics"}
		start := at.Add(time.Minute + w.jitter(5*time.Minute))
		stop := at.Add(40*time.Minute + w.jitter(6*time.Minute))
		add := func(name, sev, summary string) {
			ls := map[string]string{"alertname": name, "severity": sev}
			for k, v := range base {
				ls[k] = v
			}
			w.prom(ls, map[string]string{"summary": summary}, episode{start: start, end: stop})
			w.truth.Inhibited = append(w.truth.Inhibited, Labels{"alertname": name, "pod": pod, "node": node})
		}
		add("KubePodNotReady", "warning", "Pod has been in a non-ready state for more than 15 minutes.")
		if i%3 == 0 {
			add("KubeContainerWaiting", "warning", "Pod container waiting longer than 1 hour")
		}
		if i%4 == 1 {
			add("KubePodCrashLooping", "critical", "Pod is crash looping.")
		}
	}
}

// kafkaLag: a consumer falls behind in the morning; a warning the team
// must see in Slack.
func (w *world) kafkaLag(at time.Time) {
	end := at.Add(43 * time.Minute)
	for i, g := range []string{"ledger-sink", "ledger-audit"} {
		w.prom(map[string]string{"alertname": "KafkaConsumerGroupLag", "severity": "warning", "namespace": "data", "consumergroup": g, "topic": "ledger-events", "job": "kafka-exporter"},
			map[string]string{"summary": "Consumer group " + g + " is lagging."},
			episode{start: at.Add(time.Duration(i) * 3 * time.Minute), end: end})
	}
	w.incident(Incident{
		ID: "kafka-lag", Title: "ledger consumers lagging", Severity: "warning",
		Start: at, End: end, Page: PageNever,
		Alerts: []Labels{{"alertname": "KafkaConsumerGroupLag"}},
	})
}

// deploy: a bad api release in the afternoon. Every api pod answers 5xx,
// new pods crash, the ALB alarm fires in CloudWatch and New Relic opens
// an issue that goes through its updates. One outage, three tools.
func (w *world) deploy(at time.Time) {
	rollback := at.Add(30 * time.Minute)
	for range 40 {
		pod := w.pod("api", "84f9c6d7b")
		start := at.Add(time.Minute + w.jitter(9*time.Minute))
		w.prom(map[string]string{"alertname": "APIHighErrorRate", "severity": "critical", "namespace": "web", "app": "api", "pod": pod, "node": w.node(), "job": "api"},
			map[string]string{"summary": "More than 5% of requests to " + pod + " fail with 5xx."},
			episode{start: start, end: rollback.Add(3*time.Minute + w.jitter(8*time.Minute))})
	}
	for range 12 {
		pod := w.pod("api", "9a1b2c3d4")
		start := at.Add(2*time.Minute + w.jitter(8*time.Minute))
		w.prom(map[string]string{"alertname": "KubePodCrashLooping", "severity": "warning", "namespace": "web", "app": "api", "pod": pod, "node": w.node(), "job": "kube-state-metrics"},
			map[string]string{"summary": "Pod is crash looping."},
			episode{start: start, end: rollback.Add(w.jitter(4 * time.Minute))})
	}
	w.prom(map[string]string{"alertname": "KubeDeploymentReplicasMismatch", "severity": "warning", "namespace": "web", "app": "api", "deployment": "api", "job": "kube-state-metrics"},
		map[string]string{"summary": "Deployment has not matched the expected number of replicas."},
		episode{start: at.Add(5 * time.Minute), end: rollback.Add(6 * time.Minute)})

	alb := &cwAlarm{
		name: "web-prod-alb-target-5xx", description: "Targets behind web-prod-alb answer 5xx. severity=critical",
		namespace: "AWS/ApplicationELB", metric: "HTTPCode_Target_5XX_Count", threshold: 25,
		dimensions: map[string]string{"LoadBalancer": "app/web-prod-alb/50dc6c495c0c9188", "TargetGroup": "targetgroup/web-prod-api/73e2d6bc24d8a067"},
	}
	w.records = append(w.records, w.transition(at.Add(2*time.Minute), alb, "OK", "ALARM")...)
	w.records = append(w.records, w.transition(rollback.Add(9*time.Minute), alb, "ALARM", "OK")...)

	issue := &nrIssue{
		id: w.uuid(), title: "web-prod-api error rate is > 5.0 for 5 minutes on 'High error rate'", priority: "CRITICAL",
		entity: "web-prod-api", policy: "web-prod golden signals", condition: "High error rate", created: at.Add(3 * time.Minute),
	}
	w.records = append(w.records, w.newRelic(issue, []nrUpdate{
		{at.Add(3 * time.Minute), "CREATED", "STATE_CHANGE", 1},
		{at.Add(4 * time.Minute), "ACTIVATED", "STATE_CHANGE", 1},
		{at.Add(8 * time.Minute), "ACTIVATED", "INCIDENT_ADDED", 2},
		{at.Add(13 * time.Minute), "ACTIVATED", "INCIDENT_ADDED", 3},
		{at.Add(15 * time.Minute), "ACKNOWLEDGED", "STATE_CHANGE", 3},
		{at.Add(35 * time.Minute), "ACKNOWLEDGED", "INCIDENT_CLOSED", 3},
		{at.Add(42 * time.Minute), "CLOSED", "STATE_CHANGE", 3},
	})...)
	w.incident(Incident{
		ID: "deploy-api-5xx", Title: "bad api release: 5xx from every pod, the ALB and New Relic", Severity: "critical",
		Start: at.Add(time.Minute), End: rollback.Add(11 * time.Minute), Page: PageAny,
		Alerts: []Labels{
			{"alertname": "APIHighErrorRate", "namespace": "web"},
			{"alertname": "web-prod-alb-target-5xx"},
			{"condition": "High error rate", "entity": "web-prod-api"},
		},
	})
}

// flappingAlarm: the Aurora writer's CPU alarm flips between ALARM and OK
// for an hour and a half, with an INSUFFICIENT_DATA in between. A
// warning the team must hear about once, not forty times.
func (w *world) flappingAlarm(from, to time.Time) {
	cpu := &cwAlarm{
		name: "web-prod-aurora-writer-cpu", description: "Writer CPU above 80%. severity=warning",
		namespace: "AWS/RDS", metric: "CPUUtilization", threshold: 80,
		dimensions: map[string]string{"DBClusterIdentifier": "web-prod-aurora", "Role": "WRITER"},
	}
	state := "OK"
	for t := from; t.Before(to); t = t.Add(3*time.Minute + w.jitter(6*time.Minute)) {
		next := map[string]string{"OK": "ALARM", "ALARM": "OK", "INSUFFICIENT_DATA": "ALARM"}[state]
		if state == "ALARM" && w.rng.IntN(8) == 0 {
			next = "INSUFFICIENT_DATA"
		}
		w.records = append(w.records, w.transition(t, cpu, state, next)...)
		state = next
	}
	if state != "OK" {
		w.records = append(w.records, w.transition(to, cpu, state, "OK")...)
	}
	w.incident(Incident{
		ID: "aurora-cpu-flapping", Title: "Aurora writer CPU alarm flapping", Severity: "warning",
		Start: from, End: to, Page: PageNever,
		Alerts: []Labels{{"alertname": "web-prod-aurora-writer-cpu"}},
	})
}

// apdexIssue: a New Relic issue of HIGH priority (a warning) in the
// evening, with incidents added as it goes. Slack, not a page.
func (w *world) apdexIssue(at time.Time) {
	issue := &nrIssue{
		id: w.uuid(), title: "web-prod-api Apdex score is < 0.8 for 10 minutes on 'Apdex low'", priority: "HIGH",
		entity: "web-prod-api", policy: "web-prod golden signals", condition: "Apdex low", created: at,
	}
	end := at.Add(48 * time.Minute)
	w.records = append(w.records, w.newRelic(issue, []nrUpdate{
		{at, "CREATED", "STATE_CHANGE", 1},
		{at.Add(time.Minute), "ACTIVATED", "STATE_CHANGE", 1},
		{at.Add(15 * time.Minute), "ACTIVATED", "INCIDENT_ADDED", 2},
		{at.Add(30 * time.Minute), "ACTIVATED", "INCIDENT_ADDED", 3},
		{at.Add(41 * time.Minute), "ACTIVATED", "INCIDENT_CLOSED", 3},
		{end, "CLOSED", "STATE_CHANGE", 3},
	})...)
	w.incident(Incident{
		ID: "api-apdex", Title: "api Apdex low in the evening", Severity: "warning",
		Start: at, End: end, Page: PageNever,
		Alerts: []Labels{{"condition": "Apdex low", "entity": "web-prod-api"}},
	})
}

// replicaLag: late at night the Aurora reader falls behind (critical, in
// CloudWatch) and the api it serves slows down (a warning, in
// Prometheus): one incident of the database, which must page.
func (w *world) replicaLag(at time.Time) {
	lag := &cwAlarm{
		name: "web-prod-aurora-replica-lag", description: "Aurora replica lag above 30 s. severity=critical",
		namespace: "AWS/RDS", metric: "AuroraReplicaLag", threshold: 30000,
		dimensions: map[string]string{"DBClusterIdentifier": "web-prod-aurora", "Role": "READER"},
	}
	end := at.Add(32 * time.Minute)
	w.records = append(w.records, w.transition(at, lag, "OK", "ALARM")...)
	w.records = append(w.records, w.transition(end, lag, "ALARM", "OK")...)
	w.prom(map[string]string{"alertname": "APILatencyHigh", "severity": "warning", "namespace": "web", "app": "api", "job": "api"},
		map[string]string{"summary": "api p99 latency above 1.5 s."},
		episode{start: at.Add(3 * time.Minute), end: end.Add(-2 * time.Minute)})
	w.incident(Incident{
		ID: "aurora-replica-lag", Title: "Aurora replica lag; api slow", Severity: "critical",
		Start: at, End: end, Page: PageMust,
		Alerts: []Labels{{"alertname": "web-prod-aurora-replica-lag"}, {"alertname": "APILatencyHigh", "app": "api"}},
	})
}
