package e2e

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alertgate/alertgate/router/store/redis/redistest"
)

// redisServer is a Redis the test can kill (SIGKILL) and start again.
type redisServer interface {
	Addr() string
	Stop()
	Restart()
}

// aofRedis is a redis-server with append-only persistence, as
// deploy/compose runs Redis (--appendonly yes --save ""): Redis writes
// every change to the file before it answers, so kill -9 and a restart
// lose nothing it acknowledged. redistest's servers have no persistence
// and come back empty, which is a different failure: a Redis that lost
// its data.
type aofRedis struct {
	t    *testing.T
	bin  string
	dir  string
	port int

	mu   sync.Mutex
	proc *os.Process
	done chan struct{}
}

// startAOFRedis starts a persistent redis-server for t on a free port
// and kills it when t ends. Without redis-server on PATH the test is
// skipped, unless redistest.RequireEnv is set.
func startAOFRedis(t *testing.T) *aofRedis {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv(redistest.RequireEnv) != "" {
			t.Fatalf("redis-server not found on PATH and %s is set: %v", redistest.RequireEnv, err)
		}
		t.Skipf("redis-server not found on PATH: %v", err)
	}
	r := &aofRedis{t: t, bin: bin, dir: t.TempDir()}
	t.Cleanup(r.Stop)
	for range 3 { // the free port may be taken before redis-server binds it
		if r.port, err = freePort(); err == nil {
			if err = r.start(); err == nil {
				return r
			}
		}
	}
	t.Fatalf("starting redis-server with persistence: %v", err)
	return nil
}

func (r *aofRedis) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(r.port)) }

// Stop kills the server with SIGKILL.
func (r *aofRedis) Stop() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.proc == nil {
		return
	}
	_ = r.proc.Kill()
	<-r.done
	r.proc, r.done = nil, nil
}

// Restart starts the server again on its port and data; it returns once
// the data is loaded.
func (r *aofRedis) Restart() {
	r.t.Helper()
	r.Stop()
	if err := r.start(); err != nil {
		r.t.Fatalf("restarting redis-server: %v", err)
	}
}

func (r *aofRedis) start() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	cmd := exec.Command(r.bin, "--port", strconv.Itoa(r.port), "--bind", "127.0.0.1", "--dir", r.dir,
		"--appendonly", "yes", "--save", "", "--protected-mode", "no", "--logfile", "redis.log")
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	deadline := time.Now().Add(20 * time.Second)
	for {
		select {
		case <-done:
			return errors.New("redis-server exited (port taken?)")
		default:
		}
		if pong(r.Addr()) {
			r.proc, r.done = cmd.Process, done
			return nil
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			<-done
			return fmt.Errorf("redis-server did not answer PING on %s", r.Addr())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// pong reports whether addr answers PING with PONG (not LOADING).
func pong(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return false
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return false
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	return err == nil && strings.TrimSpace(line) == "+PONG"
}
