package storm

import (
	"fmt"
	"time"
)

// background is what fires all day in a big cluster and is nobody's
// incident: cluster-wide overcommit that has fired for days and only
// comes back through Alertmanager's repeat_interval, previews stuck
// pulling images, volumes and disks slowly filling, certificates to
// renew.
func (w *world) background() {
	dayStart := w.day
	daysAgo := func(d int) episode {
		return episode{start: dayStart.Add(-time.Duration(d)*24*time.Hour - w.jitter(12*time.Hour))}
	}
	for _, o := range []struct{ name, res string }{{"KubeCPUOvercommit", "CPU"}, {"KubeMemoryOvercommit", "memory"}} {
		w.prom(map[string]string{"alertname": o.name, "severity": "warning"},
			map[string]string{
				"summary":     "Cluster has overcommitted " + o.res + " resource requests.",
				"description": "Cluster " + clusterName + " has overcommitted " + o.res + " resource requests for Pods by " + fmt.Sprintf("%.2f", 1+w.rng.Float64()*3) + " and cannot tolerate node failure.",
				"runbook_url": "https://runbooks.prometheus-operator.dev/runbooks/kubernetes/kube" + lower(o.res) + "overcommit",
			}, for10m, daysAgo(2+w.rng.IntN(4)))
	}
	preview := w.c.app("preview-web")
	for _, p := range preview.pods {
		w.prom(with(w.c.ksmPod(p, "web"), map[string]string{"alertname": "KubeContainerWaiting", "severity": "warning", "reason": "ImagePullBackOff"}),
			map[string]string{
				"summary":     "Pod container waiting longer than 1 hour",
				"description": "pod/" + p.name + " in namespace sandbox on container web has been in waiting state for longer than 1 hour. (reason: \"ImagePullBackOff\").",
				"runbook_url": "https://runbooks.prometheus-operator.dev/runbooks/kubernetes/kubecontainerwaiting",
			}, for1h, daysAgo(1))
	}
	for i := range 3 {
		pvc := fmt.Sprintf("data-kafka-%d", i)
		n := pick(w, w.c.nodes)
		w.prom(map[string]string{
			"alertname": "KubePersistentVolumeFillingUp", "severity": "warning", "namespace": "data", "persistentvolumeclaim": pvc,
			"job": "kubelet", "metrics_path": "/metrics", "service": svcKubelet, "endpoint": "https-metrics", "instance": n.ip + ":10250", "node": n.name,
		}, map[string]string{
			"summary":     "PersistentVolume is filling up.",
			"description": fmt.Sprintf("Based on recent sampling, the PersistentVolume claimed by %s in Namespace data is expected to fill up within four days. Currently %.1f%% is available.", pvc, 8+w.rng.Float64()*6),
			"runbook_url": "https://runbooks.prometheus-operator.dev/runbooks/kubernetes/kubepersistentvolumefillingup",
		}, for1h, daysAgo(1))
	}
	for _, n := range w.c.nodes[:3] {
		w.prom(with(nodeExporter(n), map[string]string{
			"alertname": "NodeFilesystemSpaceFillingUp", "severity": "warning", "device": "/dev/nvme0n1p1", "fstype": "xfs", "mountpoint": "/",
		}), map[string]string{
			"summary":     "Filesystem is predicted to run out of space within the next 24 hours.",
			"description": fmt.Sprintf("Filesystem on /dev/nvme0n1p1, mounted on /, at %s:9100 has only %.2f%% available space left and is filling up.", n.ip, 14+w.rng.Float64()*10),
			"runbook_url": "https://runbooks.prometheus-operator.dev/runbooks/node/nodefilesystemspacefillingup",
		}, for1h, daysAgo(0))
	}
	w.prom(map[string]string{
		"alertname": "CertManagerCertExpirySoon", "severity": "warning", "namespace": "web", "name": "api-example-com-tls",
		"exported_namespace": "web", "job": "cert-manager", "service": "cert-manager", "instance": w.podIP() + ":9402",
	}, map[string]string{
		"summary":     "The cert `api-example-com-tls` is 19 days from expiry",
		"description": "The domain that this cert covers will be unavailable after 19 days. Clients using endpoints that this cert protects will start to fail in 19 days.",
	}, for1h, daysAgo(3))
}

// churn is what comes and goes all day: CPU throttling across dozens of
// containers, containers near their memory limit, busy nodes and a
// search autoscaler at its maximum in the evening peak. Each toggles
// many times; none is an incident.
func (w *world) churn() {
	type container struct {
		p    pod
		name string
	}
	var containers []container
	for _, a := range w.c.apps {
		for _, p := range a.pods {
			containers = append(containers, container{p, a.name})
			switch a.ns {
			case "payments", "web", "search", "auth":
				containers = append(containers, container{p, "envoy"})
			case "logging", "ingress-nginx", "data":
				containers = append(containers, container{p, "config-reloader"})
			}
		}
	}
	shuffled := func() []container {
		w.rng.Shuffle(len(containers), func(i, j int) { containers[i], containers[j] = containers[j], containers[i] })
		return containers
	}
	for _, c := range shuffled()[:75] {
		pct := 26 + w.rng.IntN(70)
		w.prom(with(cadvisor(c.p, c.name), map[string]string{"alertname": "CPUThrottlingHigh", "severity": "info"}),
			map[string]string{
				"summary":     "Processes experience elevated CPU throttling.",
				"description": fmt.Sprintf("%d%% throttling of CPU in namespace %s for container %s in pod %s on cluster %s.", pct, c.p.app.ns, c.name, c.p.name, clusterName),
				"runbook_url": "https://runbooks.prometheus-operator.dev/runbooks/kubernetes/cputhrottlinghigh",
			}, for15m, w.toggling(40*time.Minute, 240*time.Minute, 60*time.Minute, 420*time.Minute)...)
	}
	for _, c := range shuffled()[:40] {
		w.prom(with(cadvisor(c.p, c.name), map[string]string{"alertname": "ContainerMemoryNearLimit", "severity": "warning"}),
			map[string]string{
				"summary":     "Container memory usage is above 90% of its limit.",
				"description": fmt.Sprintf("Container %s in pod %s (namespace %s) uses %d%% of its memory limit.", c.name, c.p.name, c.p.app.ns, 90+w.rng.IntN(9)),
			}, for10m, w.toggling(15*time.Minute, 90*time.Minute, 60*time.Minute, 300*time.Minute)...)
	}
	for _, n := range w.c.nodes {
		if w.rng.IntN(3) > 0 {
			continue
		}
		w.prom(with(nodeExporter(n), map[string]string{"alertname": "NodeCPUHighUsage", "severity": "info"}),
			map[string]string{
				"summary":     "High CPU usage.",
				"description": fmt.Sprintf("CPU usage at %s:9100 has been above 90%% for the last 15 minutes, is currently at %.2f%%.", n.ip, 90+w.rng.Float64()*9),
				"runbook_url": "https://runbooks.prometheus-operator.dev/runbooks/node/nodecpuhighusage",
			}, for15m, w.toggling(20*time.Minute, 80*time.Minute, 40*time.Minute, 240*time.Minute)...)
	}
	hpa := w.c.app("query")
	peak := w.between(w.at(19, 0), w.at(20, 30))
	w.prom(with(w.c.ksm(), map[string]string{"alertname": "KubeHpaMaxedOut", "severity": "warning", "namespace": hpa.ns, "horizontalpodautoscaler": hpa.name}),
		map[string]string{
			"summary":     "HPA is running at max replicas",
			"description": "HPA search/query has been running at max replicas for longer than 15 minutes.",
			"runbook_url": "https://runbooks.prometheus-operator.dev/runbooks/kubernetes/kubehpamaxedout",
		}, for15m, episode{start: peak, end: peak.Add(2*time.Hour + w.jitter(time.Hour))})
}

// toggling returns episodes over the day, and from before it, that last
// between onMin and onMax with gaps between offMin and offMax.
func (w *world) toggling(onMin, onMax, offMin, offMax time.Duration) []episode {
	var eps []episode
	t := w.day.Add(-w.jitter(3 * time.Hour))
	for t.Before(w.day.Add(24 * time.Hour)) {
		end := t.Add(onMin + w.jitter(onMax-onMin))
		eps = append(eps, episode{start: t, end: end})
		t = end.Add(offMin + w.jitter(offMax-offMin))
	}
	return eps
}

// shortWarnings are warnings that fire somewhere in the cluster and go
// away by themselves within the hour: a pod crash-looping after an OOM,
// a rollout waiting for a replica, a CronJob run failing and retrying.
// Noise, not incidents.
func (w *world) shortWarnings() {
	kinds := []struct {
		name, summary string
		pending       time.Duration
		labels        func(p pod) map[string]string
	}{
		{"KubePodCrashLooping", "Pod is crash looping.", for15m, func(p pod) map[string]string {
			return with(w.c.ksmPod(p, p.app.name), map[string]string{"reason": "CrashLoopBackOff"})
		}},
		{"KubePodNotReady", "Pod has been in a non-ready state for more than 15 minutes.", for15m, func(p pod) map[string]string {
			return map[string]string{"namespace": p.app.ns, "pod": p.name, "node": p.node.name}
		}},
		{"KubeDeploymentReplicasMismatch", "Deployment has not matched the expected number of replicas.", for15m, func(p pod) map[string]string {
			return with(w.c.ksm(), map[string]string{"namespace": p.app.ns, "deployment": p.app.name})
		}},
		{"KubeContainerWaiting", "Pod container waiting longer than 1 hour", for1h, func(p pod) map[string]string {
			return map[string]string{"namespace": p.app.ns, "pod": p.name, "container": p.app.name, "node": p.node.name}
		}},
	}
	var apps []*app
	for _, a := range w.c.apps {
		if a.ns != "sandbox" && a.ns != "web" {
			apps = append(apps, a)
		}
	}
	for range 18 {
		k := pick(w, kinds)
		p := pick(w, pick(w, apps).pods)
		start := w.between(w.day, w.day.Add(23*time.Hour))
		w.prom(with(k.labels(p), map[string]string{"alertname": k.name, "severity": "warning"}),
			map[string]string{"summary": k.summary, "runbook_url": "https://runbooks.prometheus-operator.dev/runbooks/kubernetes/" + lower(k.name)},
			k.pending, episode{start: start, end: start.Add(k.pending + 5*time.Minute + w.jitter(30*time.Minute))})
	}
}

func lower(s string) string {
	b := []byte(s)
	for i := range b {
		if 'A' <= b[i] && b[i] <= 'Z' {
			b[i] += 'a' - 'A'
		}
	}
	return string(b)
}
