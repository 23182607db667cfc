package e2e

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// sentinelMaster is the name the Sentinels monitor the master by.
const sentinelMaster = "alertgate-e2e"

func TestFault_SentinelFailoverMidStormDeliversEveryAcceptedAlert(t *testing.T) {
	t.Parallel()
	rs := startSentinelSet(t)
	w := newWorldOn(t, rs)
	cfg := strings.Replace(w.config(setup{}), fmt.Sprintf("address: %q", rs.Addr()),
		fmt.Sprintf("sentinel: {master_name: %s, addresses: [%q, %q, %q]}", sentinelMaster, rs.sentinels[0].addr(), rs.sentinels[1].addr(), rs.sentinels[2].addr()), 1)
	if !strings.Contains(cfg, "sentinel:") {
		t.Fatal("the test configuration names no Sentinel")
	}
	a := startGate(t, gateOptions{name: "replica-a", config: cfg})
	b := startGate(t, gateOptions{name: "replica-b", config: cfg})

	names := stormNames("E2ESentinel", 200)
	st := startStorm(names, []*gate{a, b}, 4, pageOnly)
	waitFor(t, "a third of the storm", func() (bool, string) {
		return st.answered.Load() >= 70, fmt.Sprint(st.answered.Load(), " posted")
	})
	oldMaster := rs.Addr()
	rs.Stop() // SIGKILL to the master
	killed := time.Now()
	waitFor(t, "the Sentinels to promote the replica", func() (bool, string) {
		addr, err := rs.sentinels[0].master()
		return err == nil && addr != oldMaster, fmt.Sprintf("master %s (%v)", addr, err)
	})
	failover := time.Since(killed)
	results := st.wait()
	accepted := acceptedNames(results)
	// A group whose flush the master's death interrupted stays leased
	// for the lease's 30 s; allow for it.
	waitForWithin(t, 2*waitTimeout, "every accepted alert paged", func() (bool, string) {
		missing := countTriggers(w.pd.Events()).missing(accepted)
		return len(missing) == 0, fmt.Sprintf("%d of %d not paged: %v", len(missing), len(accepted), head(missing))
	})
	recovered := time.Since(killed)
	w.settle(a, b)

	tr := countTriggers(w.pd.Events())
	degraded := a.metric("alertgate_degraded_alerts_total") + b.metric("alertgate_degraded_alerts_total")
	figures{fault: "sentinel-failover", accepted: len(accepted), delivered: len(accepted) - len(tr.missing(accepted)),
		lost: len(tr.missing(accepted)), duplicates: tr.duplicates(), recover: recovered,
		notes: fmt.Sprintf("failover=%s new_master=%s degraded=%v not_accepted=%d", failover.Round(time.Millisecond), rs.Addr(), degraded, len(names)-len(accepted))}.log(t)
	if missing := tr.missing(accepted); len(missing) != 0 {
		t.Errorf("lost %v", missing)
	}
	// Deduplication works on the new master: an HA twin pair pages once.
	twin := amBody("firing", a.now(), labels("alertname", "E2EAfterFailover", "e2e_to", "pagerduty", "severity", "warning"))
	postBoth(t, a, b, twin)
	w.settle(a, b)
	if n := countTriggers(w.pd.Events()).byName["E2EAfterFailover"]; n != 1 {
		t.Errorf("an HA twin after the failover paged %d times, want 1", n)
	}
}

// sentinelSet is a master, a replica of it and three Sentinels
// monitoring them, each a redis-server process on a free port. It is a
// redisServer whose address is the current master's and whose Stop kills
// the master (SIGKILL), so that the Sentinels fail over.
type sentinelSet struct {
	t         *testing.T
	mu        sync.Mutex
	master    *redisProc
	replica   *redisProc
	sentinels []*redisProc
}

// startSentinelSet starts the set and waits until the Sentinels know the
// replica and each other, as a failover needs.
func startSentinelSet(t *testing.T) *sentinelSet {
	t.Helper()
	bin := redisServerBinary(t)
	s := &sentinelSet{t: t}
	s.master = startRedisProc(t, bin, "master")
	s.replica = startRedisProc(t, bin, "replica", "--replicaof", "127.0.0.1", strconv.Itoa(s.master.port))
	for i := range 3 {
		s.sentinels = append(s.sentinels, startSentinel(t, bin, i, s.master.port))
	}
	waitFor(t, "the Sentinels to know the replica and each other", func() (bool, string) {
		for _, sn := range s.sentinels {
			info, err := sn.command("SENTINEL", "MASTER", sentinelMaster)
			if err != nil {
				return false, err.Error()
			}
			if field(info, "num-slaves") != "1" || field(info, "num-other-sentinels") != "2" {
				return false, fmt.Sprintf("%s: %v", sn.name, info)
			}
		}
		return true, ""
	})
	return s
}

// Addr is the current master's address, as the Sentinels say.
func (s *sentinelSet) Addr() string {
	for _, sn := range s.sentinels {
		if addr, err := sn.master(); err == nil {
			return addr
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.master.addr()
}

// Stop kills the current master with SIGKILL.
func (s *sentinelSet) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.master.kill()
}

// Restart starts the killed master again; the Sentinels make it a
// replica of the new master.
func (s *sentinelSet) Restart() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.master.restart()
}

// redisProc is one redis-server process (a server or a Sentinel).
type redisProc struct {
	t    *testing.T
	name string
	bin  string
	args []string
	port int

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
}

func startRedisProc(t *testing.T, bin, name string, args ...string) *redisProc {
	t.Helper()
	dir := t.TempDir()
	var err error
	for range 3 { // the free port may be taken before redis-server binds it
		p := &redisProc{t: t, name: name, bin: bin}
		if p.port, err = freePort(); err != nil {
			continue
		}
		p.args = append([]string{"--port", strconv.Itoa(p.port), "--bind", "127.0.0.1", "--dir", dir,
			"--appendonly", "yes", "--save", "", "--protected-mode", "no", "--logfile", name + ".log"}, args...)
		if err = p.start(); err == nil {
			t.Cleanup(p.kill)
			return p
		}
	}
	t.Fatalf("starting %s: %v", name, err)
	return nil
}

// startSentinel starts Sentinel i monitoring the master on masterPort,
// quick to act: the master is down after 1 s without an answer.
func startSentinel(t *testing.T, bin string, i, masterPort int) *redisProc {
	t.Helper()
	dir := t.TempDir()
	var err error
	for range 3 {
		p := &redisProc{t: t, name: fmt.Sprintf("sentinel-%d", i), bin: bin}
		if p.port, err = freePort(); err != nil {
			continue
		}
		conf := filepath.Join(dir, "sentinel.conf") // Sentinel rewrites it
		body := fmt.Sprintf("port %d\nbind 127.0.0.1\nprotected-mode no\ndir %s\nlogfile sentinel.log\n"+
			"sentinel monitor %s 127.0.0.1 %d 2\nsentinel down-after-milliseconds %s 1000\nsentinel failover-timeout %s 10000\nsentinel parallel-syncs %s 1\n",
			p.port, dir, sentinelMaster, masterPort, sentinelMaster, sentinelMaster, sentinelMaster)
		if err = os.WriteFile(conf, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		p.args = []string{conf, "--sentinel"}
		if err = p.start(); err == nil {
			t.Cleanup(p.kill)
			return p
		}
	}
	t.Fatalf("starting Sentinel %d: %v", i, err)
	return nil
}

func (p *redisProc) addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(p.port)) }

func (p *redisProc) start() error {
	cmd := exec.Command(p.bin, p.args...)
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	deadline := time.Now().Add(20 * time.Second)
	for !pong(p.addr()) {
		select {
		case <-done:
			return fmt.Errorf("%s exited (port taken?)", p.name)
		default:
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			<-done
			return fmt.Errorf("%s did not answer PING on %s", p.name, p.addr())
		}
		time.Sleep(10 * time.Millisecond)
	}
	p.mu.Lock()
	p.cmd, p.done = cmd, done
	p.mu.Unlock()
	return nil
}

func (p *redisProc) kill() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil {
		return
	}
	_ = p.cmd.Process.Kill()
	<-p.done
	p.cmd, p.done = nil, nil
}

func (p *redisProc) restart() {
	p.kill()
	if err := p.start(); err != nil {
		p.t.Errorf("restarting %s: %v", p.name, err)
	}
}

// master asks a Sentinel for the master's address.
func (p *redisProc) master() (string, error) {
	reply, err := p.command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", sentinelMaster)
	if err != nil {
		return "", err
	}
	if len(reply) != 2 {
		return "", fmt.Errorf("unexpected reply %v", reply)
	}
	return net.JoinHostPort(reply[0], reply[1]), nil
}

// command sends one command and returns its reply flattened to strings
// (a map reply as alternating keys and values).
func (p *redisProc) command(args ...string) ([]string, error) {
	c, err := net.DialTimeout("tcp", p.addr(), time.Second)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	var req strings.Builder
	fmt.Fprintf(&req, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&req, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := c.Write([]byte(req.String())); err != nil {
		return nil, err
	}
	return readReply(bufio.NewReader(c))
}

// readReply reads a RESP2 reply: strings, integers, arrays of them,
// flattened.
func readReply(r *bufio.Reader) ([]string, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return nil, err
	}
	line = strings.TrimSuffix(line, "\r\n")
	if line == "" {
		return nil, errors.New("empty reply")
	}
	switch line[0] {
	case '+', ':':
		return []string{line[1:]}, nil
	case '-':
		return nil, errors.New(line[1:])
	case '$':
		n, _ := strconv.Atoi(line[1:])
		if n < 0 {
			return nil, nil
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(r, buf); err != nil {
			return nil, err
		}
		return []string{string(buf[:n])}, nil
	case '*':
		n, _ := strconv.Atoi(line[1:])
		var out []string
		for range n {
			el, err := readReply(r)
			if err != nil {
				return nil, err
			}
			out = append(out, el...)
		}
		return out, nil
	}
	return nil, fmt.Errorf("unexpected reply %q", line)
}

// field returns the value after key in a flattened key/value reply.
func field(kv []string, key string) string {
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i] == key {
			return kv[i+1]
		}
	}
	return ""
}
