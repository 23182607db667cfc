package redistest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// Cluster is a Redis Cluster of real redis-server processes: masters
// that share the 16,384 slots evenly, each with its replicas, created with
// redis-cli --cluster create. Node timeouts are short (a second), so a
// killed master's replica takes over within seconds.
type Cluster struct {
	t     testing.TB
	nodes []*Server
}

// clusterNodeTimeout is how long a master may be unreachable before its
// replica is promoted.
const clusterNodeTimeout = 1000 * time.Millisecond

// StartCluster starts masters × (1 + replicas) servers in cluster mode and
// joins them into a cluster, stopping them when t ends. It skips or fails
// as Start does when redis-server (or redis-cli) is missing.
func StartCluster(t testing.TB, masters, replicas int) *Cluster {
	t.Helper()
	bin := lookPath(t, "redis-server")
	cli := lookPath(t, "redis-cli")
	captureClientLogs(t)
	c := &Cluster{t: t}
	for range masters * (1 + replicas) {
		c.nodes = append(c.nodes, c.startNode(bin))
	}
	args := []string{"--cluster", "create"}
	args = append(args, c.Addrs()...)
	args = append(args, "--cluster-replicas", strconv.Itoa(replicas), "--cluster-yes")
	if out, err := exec.Command(cli, args...).CombinedOutput(); err != nil {
		t.Fatalf("redistest: redis-cli --cluster create: %v\n%s", err, out)
	}
	c.WaitHealthy(masters, 30*time.Second)
	return c
}

func lookPath(t testing.TB, name string) string {
	t.Helper()
	bin, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv(RequireEnv) != "" {
			t.Fatalf("%s not found on PATH and %s is set: %v", name, RequireEnv, err)
		}
		t.Skipf("%s not found on PATH; install Redis to run this test (set %s to make this a failure)", name, RequireEnv)
	}
	return bin
}

// startNode starts one cluster-mode server on a port whose cluster bus
// port (port + 10000) is free too.
func (c *Cluster) startNode(bin string) *Server {
	t := c.t
	s := &Server{t: t, bin: bin, dir: t.TempDir()}
	s.extra = []string{"--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
		"--cluster-node-timeout", strconv.Itoa(int(clusterNodeTimeout.Milliseconds())),
		// A replica that lost its master promotes itself whatever its
		// replication lag, so a failover is prompt in tests.
		"--cluster-replica-validity-factor", "0"}
	t.Cleanup(s.Stop)
	var last error
	for range 20 {
		s.port = 20000 + rand.IntN(20000)
		if !portsFree(s.port, s.port+10000) {
			continue
		}
		if last = s.start(); last == nil {
			return s
		}
	}
	t.Fatalf("redistest: start cluster node: %v", last)
	return nil
}

func portsFree(ports ...int) bool {
	for _, p := range ports {
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
		if err != nil {
			return false
		}
		l.Close()
	}
	return true
}

// Addrs returns every node's host:port.
func (c *Cluster) Addrs() []string {
	out := make([]string, len(c.nodes))
	for i, n := range c.nodes {
		out[i] = n.Addr()
	}
	return out
}

// Client returns a go-redis cluster client of the cluster, closed when
// the test ends.
func (c *Cluster) Client() *goredis.ClusterClient {
	cl := goredis.NewClusterClient(&goredis.ClusterOptions{Addrs: c.Addrs()})
	c.t.Cleanup(func() { cl.Close() })
	return cl
}

// Masters returns the addresses of the masters that serve slots now.
func (c *Cluster) Masters() []string {
	var out []string
	for _, n := range c.nodes {
		if !n.running() {
			continue
		}
		if role(n.Addr()) == "master" && slotsServed(n.Addr()) > 0 {
			out = append(out, n.Addr())
		}
	}
	return out
}

// Kill kills the node at addr (SIGKILL, as a crashed machine).
func (c *Cluster) Kill(addr string) {
	for _, n := range c.nodes {
		if n.Addr() == addr {
			n.Stop()
			return
		}
	}
	c.t.Fatalf("redistest: no cluster node at %s", addr)
}

// WaitHealthy waits until every live node says the cluster is ok,
// masters masters serve all slots and every live replica is in sync
// with its master.
func (c *Cluster) WaitHealthy(masters int, within time.Duration) {
	c.t.Helper()
	deadline := time.Now().Add(within)
	for {
		ok := len(c.Masters()) == masters
		for _, n := range c.nodes {
			if !n.running() {
				continue
			}
			if !strings.Contains(info(n.Addr(), "cluster_state"), "cluster_state:ok") {
				ok = false
			}
			// A replica counts once it has synced with its master: a
			// failover to a replica that never synced loses everything.
			if role(n.Addr()) == "slave" && !strings.Contains(info(n.Addr(), "replication"), "master_link_status:up") {
				ok = false
			}
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("redistest: cluster not healthy with %d masters within %s", masters, within)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// node returns a plain client of one node.
func node(addr string) *goredis.Client {
	return goredis.NewClient(&goredis.Options{Addr: addr, DialTimeout: time.Second, ReadTimeout: time.Second})
}

func info(addr, what string) string {
	cl := node(addr)
	defer cl.Close()
	if what == "cluster_state" {
		s, _ := cl.ClusterInfo(context.Background()).Result()
		return s
	}
	s, _ := cl.Info(context.Background(), what).Result()
	return s
}

func role(addr string) string {
	cl := node(addr)
	defer cl.Close()
	r, err := cl.Do(context.Background(), "ROLE").Slice()
	if err != nil || len(r) == 0 {
		return ""
	}
	return fmt.Sprint(r[0])
}

// slotsServed counts the slots the node at addr serves as a master.
func slotsServed(addr string) int {
	cl := node(addr)
	defer cl.Close()
	shards, err := cl.ClusterSlots(context.Background()).Result()
	if err != nil {
		return 0
	}
	n := 0
	for _, sh := range shards {
		if len(sh.Nodes) > 0 && sh.Nodes[0].Addr == addr {
			n += sh.End - sh.Start + 1
		}
	}
	return n
}

// NodeStats are one master's keys and commands processed, for a test to
// report how evenly the cluster shares the work.
type NodeStats struct {
	Addr     string
	Keys     int64
	Commands int64
}

// Stats returns each current master's key count and the commands it has
// processed since it started (INFO stats total_commands_processed).
func (c *Cluster) Stats() []NodeStats {
	var out []NodeStats
	for _, addr := range c.Masters() {
		cl := node(addr)
		keys, _ := cl.DBSize(context.Background()).Result()
		st, _ := cl.Info(context.Background(), "stats").Result()
		cl.Close()
		var cmds int64
		for _, line := range strings.Split(st, "\n") {
			if v, ok := strings.CutPrefix(strings.TrimSpace(line), "total_commands_processed:"); ok {
				cmds, _ = strconv.ParseInt(v, 10, 64)
			}
		}
		out = append(out, NodeStats{Addr: addr, Keys: keys, Commands: cmds})
	}
	return out
}
