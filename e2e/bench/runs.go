package main

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"gopkg.in/yaml.v3"
)

// bench runs the suite.
type bench struct {
	o   *options
	dir string
	bin string
	rep *report
}

// result is one run's figures.
type result struct {
	scenario
	target     string
	load       *loadResult
	serverCPU  float64 // cores
	redisCPU   float64 // cores; 0 without Redis
	clientCPU  float64 // cores of this process (load generator)
	rss        int64
	rssPeak    int64
	roundTrips float64 // per request; negative when not applicable
	notified   float64
	// redisCommands are Redis's INFO commandstats over the window.
	redisCommands []commandStat
	// otherCPU is what the rest of the machine used during the window,
	// in cores: the machine is shared, and other work lowers every figure.
	otherCPU float64
}

// groupWait is the example configuration's group_wait: notifications
// appear this long after the first alert of a group.
const groupWait = 10 * time.Second

// runAll runs every shape against every target in turn.
func (b *bench) runAll() error {
	var redis *process
	var redisAddr string
	redisTried := false
	defer func() {
		if redis != nil {
			redis.stop()
		}
	}()
	var hooks atomic.Int64
	sink, err := b.sink(&hooks)
	if err != nil {
		return err
	}
	defer sink.Close()
	if b.o.amBin != "" {
		b.rep.alertmanager = "Prometheus Alertmanager " + alertmanagerVersion(b.o.amBin)
	} else if b.o.alertmanager != "" {
		b.rep.alertmanager = "the Alertmanager at " + b.o.alertmanager
	}
	for _, shape := range shapes(b.o.rate, b.o.stormRate) {
		var bodies *requestSet
		for _, store := range stores(shape) {
			s := shape
			s.store = store
			if !b.o.wants(s) || (store == "" && b.rep.alertmanager == "") {
				continue
			}
			if store == "redis" && !redisTried {
				redisTried = true
				if redis, redisAddr, err = b.startRedis(); err != nil {
					fmt.Println("skipping the Redis runs:", err)
				}
			}
			if store == "redis" && redis == nil {
				continue
			}
			if redis != nil {
				if err := flushRedis(redisAddr); err != nil {
					return err
				}
			}
			if bodies == nil || bodies.postable != (store == "") {
				bodies = b.requestBodies(s)
			}
			var r *result
			if store == "" {
				r, err = b.runAlertmanager(s, sink.Addr().String(), bodies)
			} else {
				r, err = b.runAlertgate(s, redis, redisAddr, bodies)
			}
			if err != nil {
				return fmt.Errorf("%s: %w", s.name(), err)
			}
			b.rep.add(r)
		}
	}
	return nil
}

// requestSet is the bodies a run sends, in order, and which of them
// carry alerts sent for the first time.
type requestSet struct {
	bodies   [][]byte
	fresh    []bool
	postable bool // Alertmanager's API v2 bodies, not webhooks
}

// requestBodies makes the bodies of a run: the storm's, or the re-send
// pool's (fresh only on the first pass).
func (b *bench) requestBodies(s scenario) *requestSet {
	rs := &requestSet{postable: s.store == ""}
	switch {
	case s.storm:
		rs.bodies, rs.fresh = b.o.storm.bodies(s.batch, b.o.storm.waves(s.batch, b.o.warmup+b.o.duration), rs.postable)
	case rs.postable:
		rs.bodies = newPool(b.o.poolSize, s.catalog).postable(s.batch)
	default:
		rs.bodies = newPool(b.o.poolSize, s.catalog).webhooks(s.batch)
	}
	if rs.fresh == nil {
		rs.fresh = make([]bool, len(rs.bodies))
		for i := range rs.fresh {
			rs.fresh[i] = true
		}
	}
	return rs
}

func (b *bench) runAlertgate(s scenario, redis *process, redisAddr string, bodies *requestSet) (*result, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	cfg, err := b.writeConfig(s, addr, redisAddr)
	if err != nil {
		return nil, err
	}
	p, err := start(b.dir, "alertgate-"+strings.ReplaceAll(s.name(), "/", "-"), b.bin, "serve", "--config", cfg, "--log-level", "info")
	if err != nil {
		return nil, err
	}
	defer p.stop()
	if err := waitHTTP(addr, "/-/ready", p, 15*time.Second); err != nil {
		return nil, err
	}
	reqs := make([][]byte, len(bodies.bodies))
	for i, body := range bodies.bodies {
		reqs[i] = httpRequest(addr, "/api/v1/alerts/alertmanager", "dev-alertmanager-token", body)
	}
	r := &result{scenario: s, target: "alertgate", roundTrips: -1}
	m := &meter{server: p.pid(), metricsAddr: addr, notifications: "alertgate_notifications_total", slowlog: b.o.slowlog}
	if redis != nil {
		m.redis, m.redisAddr = redis.pid(), redisAddr
	}
	if err := b.drive(s, addr, reqs, bodies.fresh, m, r); err != nil {
		return nil, fmt.Errorf("%w\n%s", err, p.tail())
	}
	if s.store == "redis" && r.load.requests > 0 {
		r.roundTrips = m.delta("alertgate_store_round_trips_total") / float64(r.load.requests)
		r.redisCommands = commandStats(m.after.commandStats)
		fmt.Printf("%42s %s\n", "", describeCommands(r.redisCommands, r.load.requests))
		if b.o.slowlog {
			scripts, err := slowlogScripts(redisAddr)
			if err != nil {
				return nil, err
			}
			fmt.Print(scripts)
			if _, err := redisDo(redisAddr, "CONFIG", "SET", "slowlog-log-slower-than", "10000"); err != nil {
				return nil, err
			}
		}
	}
	r.notified = m.settle(m.notifications)
	return r, nil
}

// drive runs the load and fills in the figures of the measured window.
func (b *bench) drive(s scenario, addr string, reqs [][]byte, fresh []bool, m *meter, r *result) error {
	fmt.Printf("%-42s", s.name()+" ...")
	l := &load{
		addr: addr, requests: reqs, fresh: fresh, batch: s.batch, conns: s.conns, rate: s.rate,
		warmup: b.o.warmup, duration: b.o.duration, window: m.window,
	}
	if s.steady {
		// Past group_wait, and until the notifications of the groups
		// the first pass opened are all out.
		l.warmup = max(l.warmup, groupWait)
		l.ready = m.flushed
	}
	m.began = time.Now()
	res, err := l.run()
	if err != nil {
		fmt.Println()
		return err
	}
	if m.err != nil {
		fmt.Println()
		return m.err
	}
	r.load = res
	r.serverCPU = cores(m.before.server, m.after.server)
	r.clientCPU = cores(m.before.client, m.after.client)
	if m.redis != 0 {
		r.redisCPU = cores(m.before.redis, m.after.redis)
	}
	r.rss, r.rssPeak = m.after.server.rss, m.after.server.rssMax
	if wall := m.after.server.at.Sub(m.before.server.at); wall > 0 {
		busy := float64(m.after.busy-m.before.busy) / float64(wall)
		r.otherCPU = max(0, busy-r.serverCPU-r.clientCPU-r.redisCPU)
	}
	fmt.Printf(" %8.0f alerts/s  p99 %7s  new %3.0f%%  CPU %5.1f µs/alert  %d errors\n", res.alertsPerSec(s.batch),
		round(res.percentile(0.99)), 100*res.freshShare(), r.cpuPerAlert(), res.errors)
	if res.errors > 0 {
		return fmt.Errorf("%d requests failed, the first with %v", res.errors, res.firstErr)
	}
	return nil
}

// meter snapshots the processes and the server's metrics at the start
// and end of the measured window.
type meter struct {
	server, redis int
	redisAddr     string
	slowlog       bool // log every Redis command of the window (profiling)
	metricsAddr   string
	metricsPath   string
	notifications string // the server's counter of notifications sent
	began         time.Time
	lastNotified  float64

	before, after snapshot
	err           error
}

type snapshot struct {
	server, redis, client procStat
	busy                  time.Duration // CPU time of the whole machine
	metrics               []byte
	commandStats          string // Redis's INFO commandstats since the window began
}

func (m *meter) window(start bool) {
	s := &m.after
	if start {
		s = &m.before
	}
	var err error
	if s.server, err = readProc(m.server); err != nil && m.err == nil {
		m.err = err
	}
	if m.redis != 0 {
		s.redis, _ = readProc(m.redis)
		if start {
			_, err = redisDo(m.redisAddr, "CONFIG", "RESETSTAT")
			if m.slowlog && err == nil {
				_, err = redisDo(m.redisAddr, "CONFIG", "SET", "slowlog-log-slower-than", "0", "slowlog-max-len", "100000")
			}
			if m.slowlog && err == nil {
				_, err = redisDo(m.redisAddr, "SLOWLOG", "RESET")
			}
		} else {
			s.commandStats, err = redisDo(m.redisAddr, "INFO", "commandstats")
		}
		if err != nil && m.err == nil {
			m.err = err
		}
	}
	s.client, _ = readProc(os.Getpid())
	s.busy = machineBusy()
	if s.metrics, err = get(m.metricsAddr, m.path()); err != nil && m.err == nil {
		m.err = err
	}
}

func (m *meter) path() string {
	if m.metricsPath == "" {
		return "/metrics"
	}
	return m.metricsPath
}

// flushed reports whether notifications have gone out and their count
// has not changed since the last call.
func (m *meter) flushed() bool {
	b, err := get(m.metricsAddr, m.path())
	if err != nil {
		return false
	}
	v := sumMetric(b, m.notifications)
	done := v > 0 && v == m.lastNotified
	m.lastNotified = v
	return done
}

// delta is the growth of a counter over the window.
func (m *meter) delta(name string) float64 {
	return sumMetric(m.after.metrics, name) - sumMetric(m.before.metrics, name)
}

// settle waits until the groups formed during the run have had their
// group_wait and the counter stops growing, and returns its value.
func (m *meter) settle(name string) float64 {
	last := -1.0
	for {
		b, err := get(m.metricsAddr, m.path())
		if err != nil {
			return last
		}
		v := sumMetric(b, name)
		if v == last && time.Since(m.began) > groupWait+2*time.Second {
			return v
		}
		last = v
		time.Sleep(time.Second)
	}
}

// sumMetric adds up every sample of a metric in the Prometheus text
// format.
func sumMetric(body []byte, name string) float64 {
	sum := 0.0
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, name) || len(line) == len(name) || (line[len(name)] != ' ' && line[len(name)] != '{') {
			continue
		}
		if v, err := strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64); err == nil {
			sum += v
		}
	}
	return sum
}

// writeConfig writes the example configuration with the bench's
// changes: its address and store, runbooks found from anywhere, and no
// rate limit (the limit protects a replica from a runaway sender; here
// the sender is the point).
func (b *bench) writeConfig(s scenario, addr, redisAddr string) (string, error) {
	src, err := os.ReadFile("config/alertgate.yml")
	if err != nil {
		return "", err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil || len(doc.Content) == 0 {
		return "", fmt.Errorf("config/alertgate.yml: %v", err)
	}
	root := doc.Content[0]
	wd, _ := os.Getwd()
	set(root, scalar(addr), "server", "listen")
	set(root, scalar(s.store), "store", "backend")
	if s.store == "redis" {
		set(root, scalar(redisAddr), "store", "redis", "address")
	}
	set(root, scalar(filepath.Join(wd, "runbooks")), "enrich", "runbooks_dir")
	for _, name := range []string{"alertmanager", "newrelic", "cloudwatch"} {
		set(root, scalar("0"), "sources", name, "rate_limit", "requests_per_second")
	}
	out, err := yaml.Marshal(&doc)
	if err != nil {
		return "", err
	}
	path := filepath.Join(b.dir, "alertgate-"+strings.ReplaceAll(s.name(), "/", "-")+".yml")
	return path, os.WriteFile(path, out, 0o600)
}

// set puts value at the path of mapping keys below n, creating the
// mappings on the way. Editing the node tree keeps every other value as
// written (a date stays a date string).
func set(n *yaml.Node, value *yaml.Node, path ...string) {
	for i, key := range path {
		var next *yaml.Node
		for j := 0; j+1 < len(n.Content); j += 2 {
			if n.Content[j].Value == key {
				next = n.Content[j+1]
			}
		}
		if next == nil {
			next = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
			n.Content = append(n.Content, scalar(key), next)
		}
		if i == len(path)-1 {
			*next = *value
			return
		}
		if next.Kind != yaml.MappingNode {
			*next = yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		}
		n = next
	}
}

func scalar(v string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Value: v} }

// startRedis starts a redis-server without persistence on a free port.
func (b *bench) startRedis() (*process, string, error) {
	if _, err := exec.LookPath(b.o.redisServer); err != nil {
		return nil, "", err
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, "", err
	}
	_, port, _ := net.SplitHostPort(addr)
	p, err := start(b.dir, "redis", b.o.redisServer, "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", b.dir)
	if err != nil {
		return nil, "", err
	}
	for range 50 {
		if flushRedis(addr) == nil {
			return p, addr, nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	p.stop()
	return nil, "", fmt.Errorf("redis-server did not start:\n%s", p.tail())
}

// flushRedis empties Redis between runs, so each starts from nothing.
func flushRedis(addr string) error {
	_, err := redisDo(addr, "FLUSHALL")
	return err
}

// runAlertmanager drives an Alertmanager with the same alerts: one the
// bench starts (--alertmanager-bin), fresh for each run, or one already
// running (--alertmanager).
func (b *bench) runAlertmanager(s scenario, sinkAddr string, bodies *requestSet) (*result, error) {
	addr, pid := "", 0
	if b.o.amBin != "" {
		p, a, err := b.startAlertmanager(s, sinkAddr)
		if err != nil {
			return nil, err
		}
		defer p.stop()
		addr, pid = a, p.pid()
	} else {
		u, err := url.Parse(b.o.alertmanager)
		if err != nil {
			return nil, fmt.Errorf("--alertmanager: %w", err)
		}
		addr = u.Host
		_, port, _ := net.SplitHostPort(addr)
		n, _ := strconv.Atoi(port)
		if pid = listeningPID(n); pid == 0 {
			return nil, fmt.Errorf("no local process listens on %s: CPU and memory cannot be measured", addr)
		}
	}
	reqs := make([][]byte, len(bodies.bodies))
	for i, body := range bodies.bodies {
		reqs[i] = httpRequest(addr, "/api/v2/alerts", "", body)
	}
	r := &result{scenario: s, target: "alertmanager", roundTrips: -1}
	m := &meter{server: pid, metricsAddr: addr, notifications: "alertmanager_notifications_total"}
	if err := b.drive(s, addr, reqs, bodies.fresh, m, r); err != nil {
		return nil, err
	}
	r.notified = m.settle(m.notifications)
	return r, nil
}

// alertmanagerVersion is the first line of `alertmanager --version`.
func alertmanagerVersion(bin string) string {
	out, err := exec.Command(bin, "--version").CombinedOutput()
	if err != nil {
		return "(" + bin + ")"
	}
	line, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	return strings.TrimPrefix(line, "alertmanager, ")
}

// startAlertmanager starts a single Alertmanager (no cluster) that groups
// like the example configuration and notifies the bench's sink.
func (b *bench) startAlertmanager(s scenario, sinkAddr string) (*process, string, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, "", err
	}
	name := "alertmanager-" + strings.ReplaceAll(s.name(), "/", "-")
	cfg := filepath.Join(b.dir, name+".yml")
	conf := fmt.Sprintf(`route:
  receiver: sink
  group_by: [alertname, service]
  group_wait: %s
  group_interval: 5m
  repeat_interval: 4h
receivers:
  - name: sink
    webhook_configs:
      - url: http://%s/hook
        send_resolved: true
`, groupWait, sinkAddr)
	if err := os.WriteFile(cfg, []byte(conf), 0o600); err != nil {
		return nil, "", err
	}
	storage := filepath.Join(b.dir, name+"-data")
	p, err := start(b.dir, name, b.o.amBin, "--config.file="+cfg, "--storage.path="+storage,
		"--web.listen-address="+addr, "--cluster.listen-address=", "--log.level=warn")
	if err != nil {
		return nil, "", err
	}
	if err := waitHTTP(addr, "/-/ready", p, 30*time.Second); err != nil {
		p.stop()
		return nil, "", err
	}
	return p, addr, nil
}

// sink is the webhook receiver of the Alertmanager runs.
func (b *bench) sink(n *atomic.Int64) (net.Listener, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		n.Add(1)
	})}
	go func() { _ = srv.Serve(ln) }()
	return ln, nil
}

// round shortens a latency for a table.
func round(d time.Duration) time.Duration {
	switch {
	case d >= 100*time.Millisecond:
		return d.Round(time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond)
	}
	return d.Round(time.Microsecond)
}
