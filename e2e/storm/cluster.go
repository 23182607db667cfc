package storm

import (
	"fmt"
	"maps"
	"time"
)

// The cluster is a kube-prometheus-stack installation (Helm release
// kube-prometheus-stack in namespace monitoring), and its alerts carry
// what that stack's scrape configuration gives them. The labels matter:
// kubernetes-mixin and node-mixin rules keep the scrape target's
// `service` (the Kubernetes Service Prometheus discovered the target
// through: the kubelet, kube-state-metrics, node-exporter), `job`,
// `instance` and `endpoint`, and kube-state-metrics is scraped with
// honorLabels, so its node-level series take the exporter's own
// namespace and pod. An alert's `service` is therefore rarely a business
// service.
const (
	promRelease = "kube-prometheus-stack"
	monitoring  = "monitoring"
	clusterName = "prod-tokyo"
)

// Services of the scrape targets, as kube-prometheus-stack names them.
const (
	svcKubelet      = promRelease + "-kubelet"
	svcKSM          = promRelease + "-kube-state-metrics"
	svcNodeExporter = promRelease + "-prometheus-node-exporter"
)

// node is a worker node.
type node struct {
	name, ip string
	// exporter is the node-exporter pod on it (a DaemonSet).
	exporter string
}

// app is a Deployment, reached through a Service of the same name.
type app struct {
	ns, name string
	pods     []pod
}

// pod is one replica of an app, on a node.
type pod struct {
	name string
	node *node
	app  *app
}

// cluster is the Kubernetes cluster of the day.
type cluster struct {
	nodes []*node
	apps  []*app
	// ksmPod and ksmIP are kube-state-metrics' own pod.
	ksmName, ksmIP string
}

// newCluster builds the cluster: worker nodes, and the apps of each
// namespace with their replicas spread over the nodes.
func (w *world) newCluster() *cluster {
	c := &cluster{ksmName: promRelease + "-kube-state-metrics-" + w.word(10) + "-" + w.word(5), ksmIP: w.podIP()}
	for i := range 14 {
		ip := fmt.Sprintf("10.0.%d.%d", 16+(i%3)*16, 20+i*7)
		c.nodes = append(c.nodes, &node{
			name:     "ip-" + dashed(ip) + ".ap-northeast-1.compute.internal",
			ip:       ip,
			exporter: promRelease + "-prometheus-node-exporter-" + w.word(5),
		})
	}
	apps := []struct {
		ns, name string
		replicas int
	}{
		{"payments", "ledger", 3}, {"payments", "gateway", 3}, {"payments", "fraud", 2},
		{"search", "indexer", 3}, {"search", "query", 4},
		{"auth", "sessions", 3}, {"auth", "tokens", 2},
		{"web", "api", 6}, {"web", "frontend", 3}, {"web", "api-internal", 2},
		{"data", "etl", 2}, {"data", "kafka-connect", 3},
		{"logging", "loki", 3}, {"ingress-nginx", "ingress-nginx-controller", 3},
		{"monitoring", "grafana", 1}, {"kube-system", "coredns", 2},
		{"cert-manager", "cert-manager", 1}, {"sandbox", "preview-web", 4},
	}
	for _, a := range apps {
		ap := &app{ns: a.ns, name: a.name}
		rs := w.hex(9)
		for i := range a.replicas {
			n := c.nodes[(len(c.apps)*5+i*3+w.rng.IntN(2))%len(c.nodes)]
			ap.pods = append(ap.pods, pod{name: a.name + "-" + rs + "-" + w.word(5), node: n, app: ap})
		}
		c.apps = append(c.apps, ap)
	}
	return c
}

func dashed(ip string) string {
	b := []byte(ip)
	for i := range b {
		if b[i] == '.' {
			b[i] = '-'
		}
	}
	return string(b)
}

func (w *world) podIP() string {
	return fmt.Sprintf("10.244.%d.%d", w.rng.IntN(14), 2+w.rng.IntN(250))
}

// podsOn returns the pods running on a node.
func (c *cluster) podsOn(n *node) []pod {
	var out []pod
	for _, a := range c.apps {
		for _, p := range a.pods {
			if p.node == n {
				out = append(out, p)
			}
		}
	}
	return out
}

// app returns the app of that name.
func (c *cluster) app(name string) *app {
	for _, a := range c.apps {
		if a.name == name {
			return a
		}
	}
	panic("storm: no app " + name)
}

// with returns labels merged with more, more winning.
func with(labels map[string]string, more map[string]string) map[string]string {
	out := maps.Clone(labels)
	maps.Copy(out, more)
	return out
}

// cadvisor are the labels of a container series from the kubelet's
// cAdvisor endpoint, as CPUThrottlingHigh keeps them (it aggregates away
// id, metrics_path, name, image, endpoint, job and node).
func cadvisor(p pod, container string) map[string]string {
	return map[string]string{
		"namespace": p.app.ns, "pod": p.name, "container": container,
		"instance": p.node.ip + ":10250", "service": svcKubelet,
	}
}

// ksm are the labels kube-state-metrics' target adds to its series (they
// carry the object's own namespace, pod, ... where it has them).
func (c *cluster) ksm() map[string]string {
	return map[string]string{
		"job": "kube-state-metrics", "service": svcKSM, "endpoint": "http",
		"instance": c.ksmIP + ":8080", "container": "kube-state-metrics",
		"namespace": monitoring, "pod": c.ksmName,
	}
}

// ksmPod are the labels of a pod-level kube-state-metrics alert. The
// operator's rules join kube_pod_info for the pod's node, as many teams
// do so that a node's failure can inhibit its pods' alerts.
func (c *cluster) ksmPod(p pod, container string) map[string]string {
	ls := with(c.ksm(), map[string]string{"namespace": p.app.ns, "pod": p.name, "node": p.node.name})
	if container != "" {
		ls["container"] = container
	} else {
		delete(ls, "container")
	}
	return ls
}

// nodeExporter are the labels of a node-exporter series of n.
func nodeExporter(n *node) map[string]string {
	return map[string]string{
		"job": "node-exporter", "service": svcNodeExporter, "endpoint": "http-metrics",
		"namespace": monitoring, "pod": n.exporter, "container": "node-exporter",
		"instance": n.ip + ":9100",
	}
}

// targetDown is the operator's TargetDown: kube-prometheus's rule with
// the node kept in its `by` clause (the ServiceMonitors relabel the
// pod's node onto every target), so a node's failure explains it.
func targetDown(a *app, n *node) map[string]string {
	return map[string]string{
		"alertname": "TargetDown", "severity": "warning",
		"job": a.name, "namespace": a.ns, "service": a.name, "node": n.name,
	}
}

// Rules' `for` durations, from kubernetes-mixin and node-mixin.
const (
	for1m  = time.Minute
	for5m  = 5 * time.Minute
	for10m = 10 * time.Minute
	for15m = 15 * time.Minute
	for30m = 30 * time.Minute
	for1h  = time.Hour
)
