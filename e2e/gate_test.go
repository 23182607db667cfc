package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/alertgate/alertgate/router/source/cloudwatch/snstest"
)

// Tokens every test configuration uses.
const (
	adminToken = "e2e-admin-token"
	amToken    = "e2e-alertmanager-token"
	nrToken    = "e2e-newrelic-token"
)

// gate is one running alertgate process.
type gate struct {
	t       *testing.T
	name    string
	url     string
	bin     string
	dir     string // working directory; empty: the test's
	logPath string
	client  *http.Client

	cmd  *exec.Cmd
	done chan struct{} // closed when the process has exited

	mu     sync.Mutex
	offset time.Duration // the settable clock's offset from the real one
}

// gateOptions say how to start a gate.
type gateOptions struct {
	// name tells replicas apart in logs; "alertgate" if empty.
	name string
	// config is the YAML configuration.
	config string
	// env adds ALERTGATE_* variables (the process gets none of the test
	// runner's).
	env map[string]string
	// sns, if set, stands in for AWS (--testing-sns-ca/--testing-sns-addr).
	sns *snstest.Signer
	// shipped runs the binary users get, built without the e2e tag: no
	// settable clock, no stand-in for AWS.
	shipped bool
	// configPath, if set, is a configuration file to serve as it is,
	// instead of config.
	configPath string
	// dir is the process's working directory; empty means the test's.
	dir string
}

// readyTimeout bounds how long a starting alertgate may take to be ready.
const readyTimeout = 30 * time.Second

// startGate starts alertgate serve on a free port with the settable clock
// and waits until /-/ready answers. The process is stopped with SIGTERM
// when the test ends; its log is dumped if the test failed.
func startGate(t *testing.T, o gateOptions) *gate {
	t.Helper()
	if o.name == "" {
		o.name = "alertgate"
	}
	dir := t.TempDir()
	cfgPath := o.configPath
	if cfgPath == "" {
		cfgPath = filepath.Join(dir, o.name+".yml")
		if err := os.WriteFile(cfgPath, []byte(o.config), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	args := []string{"serve", "--config", cfgPath, "--log-format", "json", "--testing-clock"}
	bin := binary
	if o.shipped {
		args, bin = args[:len(args)-1], shippedBinary(t)
	}
	if o.sns != nil {
		caPath := filepath.Join(dir, "sns-ca.pem")
		if err := os.WriteFile(caPath, o.sns.CAPEM(), 0o600); err != nil {
			t.Fatal(err)
		}
		args = append(args, "--testing-sns-ca", caPath, "--testing-sns-addr", o.sns.Addr())
	}
	g := &gate{
		t:       t,
		dir:     o.dir,
		bin:     bin,
		name:    o.name,
		logPath: filepath.Join(dir, o.name+".log"),
		client:  &http.Client{Timeout: 30 * time.Second},
	}
	var err error
	for range 3 { // the free port may be taken before alertgate binds it
		if err = g.start(args, processEnv(o.env)); err == nil {
			break
		}
	}
	if err != nil {
		g.dumpLog()
		t.Fatalf("%s: %v", g.name, err)
	}
	t.Cleanup(g.cleanup)
	return g
}

// processEnv is the test runner's environment without ALERTGATE_*
// variables (which would override flags and configuration), plus extra.
func processEnv(extra map[string]string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "ALERTGATE_") {
			env = append(env, kv)
		}
	}
	for k, v := range extra {
		env = append(env, k+"="+v)
	}
	return env
}

func (g *gate) start(args []string, env []string) error {
	port, err := freePort()
	if err != nil {
		return err
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	logf, err := os.OpenFile(g.logPath, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	defer logf.Close()
	cmd := exec.Command(g.bin, append(args, "--listen", addr)...)
	cmd.Env, cmd.Dir = env, g.dir
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	g.cmd, g.done, g.url = cmd, done, "http://"+addr
	return g.waitReady()
}

// waitReady polls /-/ready until it answers 200 or the process exits.
func (g *gate) waitReady() error {
	deadline := time.Now().Add(readyTimeout)
	for time.Now().Before(deadline) {
		select {
		case <-g.done:
			return fmt.Errorf("alertgate exited before it was ready (exit %d)", g.cmd.ProcessState.ExitCode())
		default:
		}
		resp, err := g.client.Get(g.url + "/-/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	_ = g.cmd.Process.Kill()
	<-g.done
	return fmt.Errorf("alertgate was not ready within %s", readyTimeout)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// keepLogsEnv names a directory to copy every replica's whole log to,
// for looking into a failure at leisure.
const keepLogsEnv = "E2E_KEEP_LOGS"

// cleanup stops the process and dumps its log if the test failed.
func (g *gate) cleanup() {
	g.terminate()
	if g.t.Failed() {
		g.dumpLog()
	}
	if dir := os.Getenv(keepLogsEnv); dir != "" {
		name := fmt.Sprintf("%s.%s.%d.log", strings.NewReplacer("/", "_", " ", "_").Replace(g.t.Name()), g.name, time.Now().UnixNano())
		if b, err := os.ReadFile(g.logPath); err == nil {
			_ = os.MkdirAll(dir, 0o755)
			_ = os.WriteFile(filepath.Join(dir, name), b, 0o644)
		}
	}
}

// terminate sends SIGTERM and waits for the graceful shutdown; a process
// that does not exit within a minute is killed. It returns the exit code.
func (g *gate) terminate() int {
	select {
	case <-g.done:
		return g.cmd.ProcessState.ExitCode()
	default:
	}
	_ = g.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-g.done:
	case <-time.After(time.Minute):
		g.t.Errorf("%s did not exit within a minute of SIGTERM; killing it", g.name)
		_ = g.cmd.Process.Kill()
		<-g.done
	}
	return g.cmd.ProcessState.ExitCode()
}

// exited reports whether the process has exited.
func (g *gate) exited() bool {
	select {
	case <-g.done:
		return true
	default:
		return false
	}
}

// dumpLogLines bounds the log dumped on failure (the end is kept).
const dumpLogLines = 400

func (g *gate) dumpLog() {
	b, err := os.ReadFile(g.logPath)
	if err != nil {
		g.t.Logf("%s log: %v", g.name, err)
		return
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > dumpLogLines {
		g.t.Logf("%s log: %d lines, the last %d follow", g.name, len(lines), dumpLogLines)
		lines = lines[len(lines)-dumpLogLines:]
	}
	g.t.Logf("%s log (%s):\n%s", g.name, g.logPath, strings.Join(lines, "\n"))
}

// logRecords returns the JSON log records with the given message.
func (g *gate) logRecords(msg string) []map[string]any {
	f, err := os.Open(g.logPath)
	if err != nil {
		g.t.Fatal(err)
	}
	defer f.Close()
	var out []map[string]any
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 4<<20)
	for sc.Scan() {
		var rec map[string]any
		if json.Unmarshal(sc.Bytes(), &rec) == nil && rec["msg"] == msg {
			out = append(out, rec)
		}
	}
	return out
}

// do sends a request and returns the status and body. It does not fail
// the test, so goroutines may use it.
func (g *gate) do(method, path, token string, body []byte, header http.Header) (int, []byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, g.url+path, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	if req.Header.Get("Content-Type") == "" && body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := g.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// mustDo is do for the test goroutine: a transport error fails the test.
func (g *gate) mustDo(method, path, token string, body []byte, header http.Header) (int, []byte) {
	g.t.Helper()
	code, b, err := g.do(method, path, token, body, header)
	if err != nil {
		g.t.Fatalf("%s %s %s: %v", g.name, method, path, err)
	}
	return code, b
}

// ingestAnswer is the body of a 2xx webhook answer.
type ingestAnswer struct {
	Status     string `json:"status"`
	Accepted   int    `json:"accepted"`
	Notify     int    `json:"notify"`
	Suppressed int    `json:"suppressed"`
}

// ingest posts a webhook body to a source's endpoint and fails the test
// unless alertgate accepts it.
func (g *gate) ingest(source, token string, body []byte, header http.Header) ingestAnswer {
	g.t.Helper()
	code, b := g.mustDo(http.MethodPost, "/api/v1/alerts/"+source, token, body, header)
	if code != http.StatusOK {
		g.t.Fatalf("%s: POST %s answered %d: %s", g.name, source, code, b)
	}
	var a ingestAnswer
	if err := json.Unmarshal(b, &a); err != nil {
		g.t.Fatalf("%s: POST %s answer %q: %v", g.name, source, b, err)
	}
	return a
}

// admin sends an operator API request with the admin token and decodes a
// JSON answer into out (unless out is nil); it fails the test unless the
// status is want.
func (g *gate) admin(method, path string, body []byte, want int, out any) {
	g.t.Helper()
	code, b := g.mustDo(method, path, adminToken, body, nil)
	if code != want {
		g.t.Fatalf("%s: %s %s answered %d, want %d: %s", g.name, method, path, code, want, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			g.t.Fatalf("%s: %s %s: %v: %s", g.name, method, path, err, b)
		}
	}
}

// setClock sets alertgate's clock; it runs on in real time from there.
func (g *gate) setClock(at time.Time) { g.clock(map[string]string{"now": at.Format(time.RFC3339Nano)}) }

// advance moves alertgate's clock forward by d.
func (g *gate) advance(d time.Duration) { g.clock(map[string]string{"advance": d.String()}) }

func (g *gate) clock(req map[string]string) {
	g.t.Helper()
	body, _ := json.Marshal(req)
	var got struct{ Now time.Time }
	g.admin(http.MethodPost, "/-/testing/clock", body, http.StatusOK, &got)
	g.mu.Lock()
	g.offset = time.Until(got.Now)
	g.mu.Unlock()
}

// now is alertgate's clock, as last set (to within the request's latency).
func (g *gate) now() time.Time {
	g.mu.Lock()
	defer g.mu.Unlock()
	return time.Now().Add(g.offset)
}

// metric sums the series of the named metric whose labels include the
// given name/value pairs. A metric that does not exist reads 0.
func (g *gate) metric(name string, labels ...string) float64 {
	g.t.Helper()
	v, err := g.tryMetric(name, labels...)
	if err != nil {
		g.t.Fatalf("%s: /metrics: %v", g.name, err)
	}
	return v
}

func (g *gate) tryMetric(name string, labels ...string) (float64, error) {
	code, b, err := g.do(http.MethodGet, "/metrics", "", nil, nil)
	if err != nil {
		return 0, err
	}
	if code != http.StatusOK {
		return 0, fmt.Errorf("status %d", code)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(bytes.NewReader(b))
	if err != nil {
		return 0, err
	}
	mf, ok := mfs[name]
	if !ok {
		return 0, nil
	}
	var sum float64
next:
	for _, m := range mf.GetMetric() {
		for i := 0; i+1 < len(labels); i += 2 {
			found := false
			for _, lp := range m.GetLabel() {
				found = found || lp.GetName() == labels[i] && lp.GetValue() == labels[i+1]
			}
			if !found {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			sum += m.GetCounter().GetValue()
		case m.Gauge != nil:
			sum += m.GetGauge().GetValue()
		case m.Untyped != nil:
			sum += m.GetUntyped().GetValue()
		}
	}
	return sum, nil
}

// outboxEmpty reports whether nothing waits for delivery, in the store's
// outbox and the replica-local one.
func (g *gate) outboxEmpty() (bool, string) {
	store, err1 := g.tryMetric("alertgate_outbox_depth", "outbox", "store")
	local, err2 := g.tryMetric("alertgate_outbox_depth", "outbox", "local")
	if err := errors.Join(err1, err2); err != nil {
		return false, err.Error()
	}
	return store == 0 && local == 0, fmt.Sprintf("%s outbox depth: store %v, local %v", g.name, store, local)
}
