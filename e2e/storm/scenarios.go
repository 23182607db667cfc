package storm

import (
	"fmt"
	"time"
)

// incidents are the day's real incidents, each at a time the seed picks
// within its part of the day.
func (w *world) incidents() {
	w.nodeFailure(w.between(w.at(0, 30), w.at(5, 0)), pick(w, w.c.nodes[3:]))
	w.kafkaLag(w.between(w.at(10, 20), w.at(12, 0)))
	w.diskAlmostFull(w.between(w.at(10, 30), w.at(15, 30)), pick(w, w.c.nodes))
	w.deploy(w.between(w.at(13, 30), w.at(16, 0)))
	w.flappingAlarm(w.between(w.at(15, 0), w.at(16, 30)))
	w.checkoutLatency(w.between(w.at(19, 30), w.at(20, 30)))
	w.apdexIssue(w.between(w.at(21, 0), w.at(21, 40)))
	w.replicaLag(w.between(w.at(22, 20), w.at(23, 0)))
}

// nightlyBatch is the batch window, 01:00 to 06:00: jobs that run long
// and fail once before a retry succeeds, all noise, except that
// nightly-export fails and keeps failing until someone reruns it in the
// morning. That one must reach the batch channel, and no batch alert may
// page.
func (w *world) nightlyBatch() {
	jobs := []string{"nightly-export", "nightly-reindex", "ledger-reconcile", "thumbnail-rebuild", "search-compaction", "billing-rollup"}
	for _, job := range jobs {
		ls := func(name, sev string) map[string]string {
			return with(w.c.ksm(), map[string]string{"alertname": name, "severity": sev, "namespace": "batch", "job_type": "batch", "job_name": job, "cronjob": job})
		}
		start := w.between(w.at(1, 20), w.at(2, 30))
		w.prom(ls("BatchJobRunningLong", "warning"), map[string]string{"summary": "Job " + job + " has been running for more than 1 hour."},
			for1m, episode{start: start, end: start.Add(30*time.Minute + w.jitter(90*time.Minute))})
		if job == "nightly-export" {
			continue
		}
		fail := w.between(w.at(1, 30), w.at(4, 0))
		w.prom(ls("BatchJobFailed", "critical"), map[string]string{"summary": "Job " + job + " failed; retrying."},
			for1m, episode{start: fail, end: fail.Add(10*time.Minute + w.jitter(50*time.Minute))})
	}
	failed := with(w.c.ksm(), map[string]string{"alertname": "BatchJobFailed", "severity": "critical", "namespace": "batch", "job_type": "batch", "job_name": "nightly-export", "cronjob": "nightly-export"})
	start, end := w.between(w.at(2, 0), w.at(3, 30)), w.between(w.at(9, 30), w.at(10, 30))
	w.prom(failed, map[string]string{"summary": "Job nightly-export failed 3 times; no retries left."}, for1m, episode{start: start, end: end})
	w.incident(Incident{
		ID: "batch-export-failed", Title: "nightly-export failed and stayed failed until rerun", Severity: "critical",
		Start: start, End: end, Page: PageNever,
		Alerts: []Labels{{"alertname": "BatchJobFailed", "job_name": "nightly-export"}},
	})
}

// nodeFailure: a worker node stops answering at night. Its pods'
// targets go down first (TargetDown fires a few minutes before the node
// alert, whose `for` is longer), its pods turn NotReady, and after the
// node comes back they recover over the next minutes, some after the
// node alert resolved. Only the node alert may page; everything else is
// explained by it.
func (w *world) nodeFailure(at time.Time, n *node) {
	recover := at.Add(40*time.Minute + w.jitter(30*time.Minute))
	nodeKSM := with(w.c.ksm(), map[string]string{"node": n.name, "condition": "Ready", "status": "true"})
	w.prom(with(nodeKSM, map[string]string{"alertname": "KubeNodeNotReady", "severity": "critical"}),
		map[string]string{
			"summary":     "Node is not ready.",
			"description": n.name + " has been unready for more than 15 minutes on cluster " + clusterName + ".",
			"runbook_url": "https://runbooks.prometheus-operator.dev/runbooks/kubernetes/kubenodenotready",
		}, for15m, episode{start: at.Add(40 * time.Second), end: recover})
	w.prom(with(w.c.ksm(), map[string]string{"alertname": "KubeNodeUnreachable", "severity": "warning", "node": n.name, "key": "node.kubernetes.io/unreachable", "effect": "NoSchedule"}),
		map[string]string{
			"summary":     "Node is unreachable.",
			"description": n.name + " is unreachable and some workloads may be rescheduled on cluster " + clusterName + ".",
			"runbook_url": "https://runbooks.prometheus-operator.dev/runbooks/kubernetes/kubenodeunreachable",
		}, for15m, episode{start: at.Add(2 * time.Minute), end: recover.Add(-time.Minute)})
	w.incident(Incident{
		ID: "node-failure", Title: "worker node " + n.name + " not ready", Severity: "critical",
		Start: at, End: recover, Page: PageMust,
		Alerts: []Labels{{"alertname": "KubeNodeNotReady", "node": n.name}},
	})
	w.explained("node-failure", Labels{"alertname": "KubeNodeUnreachable", "node": n.name})
	seen := map[*app]bool{}
	for _, p := range w.c.podsOn(n) {
		if !seen[p.app] {
			seen[p.app] = true
			down := at.Add(3*time.Minute + w.jitter(2*time.Minute))
			w.prom(targetDown(p.app, n), map[string]string{
				"summary":     "One or more targets are unreachable.",
				"description": fmt.Sprintf("%d%% of the %s/%s targets in %s namespace are down.", 100/len(p.app.pods), p.app.name, p.app.name, p.app.ns),
				"runbook_url": "https://runbooks.prometheus-operator.dev/runbooks/general/targetdown",
			}, for10m, episode{start: down, end: recover.Add(time.Minute + w.jitter(7*time.Minute))})
			w.explained("node-failure", Labels{"alertname": "TargetDown", "node": n.name, "service": p.app.name})
		}
		start := at.Add(time.Minute + w.jitter(2*time.Minute))
		w.prom(map[string]string{"alertname": "KubePodNotReady", "severity": "warning", "namespace": p.app.ns, "pod": p.name, "node": n.name},
			map[string]string{
				"summary":     "Pod has been in a non-ready state for more than 15 minutes.",
				"description": "Pod " + p.app.ns + "/" + p.name + " has been in a non-ready state for longer than 15 minutes on cluster " + clusterName + ".",
				"runbook_url": "https://runbooks.prometheus-operator.dev/runbooks/kubernetes/kubepodnotready",
			}, for15m, episode{start: start, end: recover.Add(time.Minute + w.jitter(10*time.Minute))})
		w.explained("node-failure", Labels{"alertname": "KubePodNotReady", "pod": p.name, "node": n.name})
	}
}

// kafkaLag: a consumer falls behind in the morning; a warning the team
// must see in Slack.
func (w *world) kafkaLag(at time.Time) {
	end := at.Add(35*time.Minute + w.jitter(20*time.Minute))
	exporter := w.podIP() + ":9308"
	for i, g := range []string{"ledger-sink", "ledger-audit"} {
		w.prom(map[string]string{
			"alertname": "KafkaConsumerGroupLag", "severity": "warning", "namespace": "data", "consumergroup": g, "topic": "ledger-events",
			"job": "kafka-exporter", "service": "kafka-exporter", "instance": exporter,
		}, map[string]string{"summary": "Consumer group " + g + " is lagging."},
			for5m, episode{start: at.Add(time.Duration(i) * 3 * time.Minute), end: end})
	}
	w.incident(Incident{
		ID: "kafka-lag", Title: "ledger consumers lagging", Severity: "warning",
		Start: at, End: end, Page: PageNever,
		Alerts: []Labels{{"alertname": "KafkaConsumerGroupLag"}},
	})
}

// diskAlmostFull: a node's data disk runs out of space in the day. A real
// warning among the node-exporter alerts that fire all day: it must get
// a message of its own.
func (w *world) diskAlmostFull(at time.Time, n *node) {
	end := at.Add(time.Hour + w.jitter(time.Hour))
	w.prom(with(nodeExporter(n), map[string]string{
		"alertname": "NodeFilesystemAlmostOutOfSpace", "severity": "warning", "device": "/dev/nvme1n1", "fstype": "xfs", "mountpoint": "/var/lib/containerd",
	}), map[string]string{
		"summary":     "Filesystem has less than 5% space left.",
		"description": fmt.Sprintf("Filesystem on /dev/nvme1n1, mounted on /var/lib/containerd, at %s:9100 has only %.2f%% available space left.", n.ip, 1+w.rng.Float64()*3),
		"runbook_url": "https://runbooks.prometheus-operator.dev/runbooks/node/nodefilesystemalmostoutofspace",
	}, for30m, episode{start: at, end: end})
	w.incident(Incident{
		ID: "disk-almost-full", Title: "containerd disk of " + n.name + " almost full", Severity: "warning",
		Start: at, End: end, Page: PageNever,
		Alerts: []Labels{{"alertname": "NodeFilesystemAlmostOutOfSpace", "instance": n.ip + ":9100"}},
	})
}

// deploy: a bad api release in the afternoon. Every new api pod answers
// 5xx, some crash, the ALB alarm fires in CloudWatch and New Relic opens
// an issue that correlates its incidents and is acknowledged there. One
// outage, three tools.
func (w *world) deploy(at time.Time) {
	rollback := at.Add(25*time.Minute + w.jitter(10*time.Minute))
	api := w.c.app("api")
	rs := w.hex(9)
	for i := range 12 {
		p := pod{name: "api-" + rs + "-" + w.word(5), node: pick(w, w.c.nodes), app: api}
		start := at.Add(time.Duration(i)*40*time.Second + w.jitter(time.Minute))
		w.prom(map[string]string{
			"alertname": "APIHighErrorRate", "severity": "critical", "namespace": "web", "app": "api", "pod": p.name,
			"job": "api", "service": "api", "instance": w.podIP() + ":8080",
		}, map[string]string{"summary": "More than 5% of requests to " + p.name + " fail with 5xx."},
			for1m, episode{start: start, end: rollback.Add(2*time.Minute + w.jitter(4*time.Minute))})
		if i%3 == 0 {
			w.prom(with(w.c.ksmPod(p, "api"), map[string]string{"alertname": "KubePodCrashLooping", "severity": "warning", "reason": "CrashLoopBackOff"}),
				map[string]string{"summary": "Pod is crash looping."},
				for5m, episode{start: start.Add(time.Minute), end: rollback.Add(w.jitter(3 * time.Minute))})
		}
	}
	alb := &cwAlarm{
		name: "web-prod-alb-target-5xx", description: "Targets behind web-prod-alb answer 5xx. severity=critical",
		namespace: "AWS/ApplicationELB", metric: "HTTPCode_Target_5XX_Count", threshold: 25,
		dimensions: map[string]string{"LoadBalancer": "app/web-prod-alb/50dc6c495c0c9188", "TargetGroup": "targetgroup/web-prod-api/73e2d6bc24d8a067"},
	}
	w.records = append(w.records, w.transition(at.Add(3*time.Minute), alb, "OK", "ALARM")...)
	w.records = append(w.records, w.transition(rollback.Add(6*time.Minute), alb, "ALARM", "OK")...)
	issue := &nrIssue{
		id: w.uuid(), title: "web-prod-api error rate is > 5.0 for 5 minutes on 'High error rate'", priority: "CRITICAL",
		entity: "web-prod-api", policy: "web-prod golden signals", condition: "High error rate", created: at.Add(4 * time.Minute),
	}
	w.records = append(w.records, w.newRelic(issue, []nrUpdate{
		{at: at.Add(4 * time.Minute), state: "CREATED", trigger: "STATE_CHANGE", incidents: 1},
		{at: at.Add(5 * time.Minute), state: "ACTIVATED", trigger: "STATE_CHANGE", incidents: 1},
		{at: at.Add(8 * time.Minute), state: "ACTIVATED", trigger: "INCIDENT_ADDED", incidents: 2, correlated: true},
		{at: at.Add(12 * time.Minute), state: "ACKNOWLEDGED", trigger: "STATE_CHANGE", incidents: 2, correlated: true},
		{at: at.Add(13 * time.Minute), state: "ACKNOWLEDGED", trigger: "INCIDENT_ADDED", incidents: 3, correlated: true},
		{at: rollback.Add(5 * time.Minute), state: "ACKNOWLEDGED", trigger: "INCIDENT_CLOSED", incidents: 3, correlated: true},
		{at: rollback.Add(9 * time.Minute), state: "CLOSED", trigger: "STATE_CHANGE", incidents: 3, correlated: true},
	})...)
	w.incident(Incident{
		ID: "deploy-api-5xx", Title: "bad api release: 5xx from every new pod, the ALB and New Relic", Severity: "critical",
		Start: at, End: rollback.Add(9 * time.Minute), Page: PageAny,
		Alerts: []Labels{
			{"alertname": "APIHighErrorRate", "namespace": "web"},
			{"alertname": "web-prod-alb-target-5xx"},
			{"condition": "High error rate", "entity": "web-prod-api"},
		},
	})
}

// flappingAlarm: the Aurora writer's CPU alarm flips between ALARM and
// OK for an hour or more, in cycles of 2 to 10 minutes with an
// INSUFFICIENT_DATA now and then, and SNS delivers some transitions
// twice. A warning the team must hear about once, not once per cycle.
func (w *world) flappingAlarm(from time.Time) {
	to := from.Add(time.Hour + w.jitter(40*time.Minute))
	cpu := &cwAlarm{
		name: "web-prod-aurora-writer-cpu", description: "Writer CPU above 80%. severity=warning",
		namespace: "AWS/RDS", metric: "CPUUtilization", threshold: 80,
		dimensions: map[string]string{"DBClusterIdentifier": "web-prod-aurora", "Role": "WRITER"},
	}
	state := "OK"
	for t := from; t.Before(to); {
		next := map[string]string{"OK": "ALARM", "ALARM": "OK", "INSUFFICIENT_DATA": "ALARM"}[state]
		if state == "ALARM" && w.rng.IntN(8) == 0 {
			next = "INSUFFICIENT_DATA"
		}
		w.records = append(w.records, w.transition(t, cpu, state, next)...)
		state = next
		// A cycle (ALARM and back) takes 2 to 10 minutes.
		t = t.Add(time.Minute + w.jitter(4*time.Minute))
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

// checkoutLatency: a New Relic CRITICAL issue in the evening, paged and
// acknowledged in New Relic by the on-call. The team channel, whose
// route is for business hours, never saw it and must not hear of the
// acknowledgement.
func (w *world) checkoutLatency(at time.Time) {
	issue := &nrIssue{
		id: w.uuid(), title: "checkout-api p95 latency is > 2000 ms for 5 minutes on 'Checkout latency'", priority: "CRITICAL",
		entity: "checkout-api", policy: "payments golden signals", condition: "Checkout latency", created: at,
	}
	end := at.Add(30*time.Minute + w.jitter(20*time.Minute))
	w.records = append(w.records, w.newRelic(issue, []nrUpdate{
		{at: at, state: "CREATED", trigger: "STATE_CHANGE", incidents: 1},
		{at: at.Add(time.Minute), state: "ACTIVATED", trigger: "STATE_CHANGE", incidents: 1},
		{at: at.Add(19 * time.Minute), state: "ACKNOWLEDGED", trigger: "STATE_CHANGE", incidents: 1},
		{at: end, state: "CLOSED", trigger: "STATE_CHANGE", incidents: 1},
	})...)
	w.incident(Incident{
		ID: "checkout-latency", Title: "checkout latency in the evening, acknowledged in New Relic", Severity: "critical",
		Start: at, End: end, Page: PageMust,
		Alerts: []Labels{{"condition": "Checkout latency", "entity": "checkout-api"}},
	})
}

// apdexIssue: a New Relic issue of HIGH priority (a warning) on the api
// at night: the on-call's channel, not a page.
func (w *world) apdexIssue(at time.Time) {
	issue := &nrIssue{
		id: w.uuid(), title: "web-prod-api Apdex score is < 0.8 for 10 minutes on 'Apdex low'", priority: "HIGH",
		entity: "web-prod-api", policy: "web-prod golden signals", condition: "Apdex low", created: at,
	}
	end := at.Add(35*time.Minute + w.jitter(20*time.Minute))
	w.records = append(w.records, w.newRelic(issue, []nrUpdate{
		{at: at, state: "CREATED", trigger: "STATE_CHANGE", incidents: 1},
		{at: at.Add(time.Minute), state: "ACTIVATED", trigger: "STATE_CHANGE", incidents: 1},
		{at: at.Add(15 * time.Minute), state: "ACTIVATED", trigger: "INCIDENT_ADDED", incidents: 2},
		{at: end.Add(-5 * time.Minute), state: "ACTIVATED", trigger: "INCIDENT_CLOSED", incidents: 2},
		{at: end, state: "CLOSED", trigger: "STATE_CHANGE", incidents: 2},
	})...)
	w.incident(Incident{
		ID: "api-apdex", Title: "api Apdex low at night", Severity: "warning",
		Start: at, End: end, Page: PageNever,
		Alerts: []Labels{{"condition": "Apdex low", "entity": "web-prod-api"}},
	})
}

// replicaLag: late at night the Aurora reader falls behind (critical, in
// CloudWatch) and the api that reads from it slows down minutes later (a
// warning, in Prometheus): one incident of the database, which must page
// once.
func (w *world) replicaLag(at time.Time) {
	lag := &cwAlarm{
		name: "web-prod-aurora-replica-lag", description: "Aurora replica lag above 30 s. severity=critical",
		namespace: "AWS/RDS", metric: "AuroraReplicaLag", threshold: 30000,
		dimensions: map[string]string{"DBClusterIdentifier": "web-prod-aurora", "Role": "READER"},
	}
	end := at.Add(25*time.Minute + w.jitter(15*time.Minute))
	w.records = append(w.records, w.transition(at, lag, "OK", "ALARM")...)
	w.records = append(w.records, w.transition(end, lag, "ALARM", "OK")...)
	w.prom(map[string]string{"alertname": "APILatencyHigh", "severity": "warning", "namespace": "web", "app": "api", "job": "api", "service": "api"},
		map[string]string{"summary": "api p99 latency above 1.5 s."},
		for1m, episode{start: at.Add(2 * time.Minute), end: end.Add(-2 * time.Minute)})
	w.incident(Incident{
		ID: "aurora-replica-lag", Title: "Aurora replica lag; api slow", Severity: "critical",
		Start: at, End: end, Page: PageMust,
		Alerts: []Labels{{"alertname": "web-prod-aurora-replica-lag"}, {"alertname": "APILatencyHigh", "app": "api"}},
	})
}
