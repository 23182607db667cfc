package e2e

import (
	"bufio"
	"net"
	"os"
	"os/exec"
	"strings"
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
type aofRedis struct{ p *redisProc }

// startAOFRedis starts a persistent redis-server for t on a free port
// and kills it when t ends. Without redis-server on PATH the test is
// skipped, unless redistest.RequireEnv is set.
func startAOFRedis(t *testing.T) *aofRedis {
	t.Helper()
	return &aofRedis{startRedisProc(t, redisServerBinary(t), "redis")}
}

// redisServerBinary finds redis-server, or skips the test without it
// (fails it when redistest.RequireEnv is set, as in CI).
func redisServerBinary(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv(redistest.RequireEnv) != "" {
			t.Fatalf("redis-server not found on PATH and %s is set: %v", redistest.RequireEnv, err)
		}
		t.Skipf("redis-server not found on PATH: %v", err)
	}
	return bin
}

func (r *aofRedis) Addr() string { return r.p.addr() }

// Stop kills the server with SIGKILL.
func (r *aofRedis) Stop() { r.p.kill() }

// Restart starts the server again on its port and data; it returns once
// the data is loaded.
func (r *aofRedis) Restart() { r.p.restart() }

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
