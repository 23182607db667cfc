package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// load is one run of the load generator: requests posted over conns
// keep-alive connections, flat out (rate 0) or paced to rate alerts per
// second, for warmup and then duration.
type load struct {
	addr     string
	requests [][]byte // complete HTTP/1.1 requests, cycled through
	// fresh says which requests carry alerts sent for the first time, on
	// the first pass through requests (later passes are re-sends).
	fresh    []bool
	batch    int // alerts per request
	conns    int
	rate     float64
	warmup   time.Duration
	duration time.Duration
	// ready, if set, holds the measurement back after warmup until it
	// reports true (polled twice a second, for at most a minute).
	ready func() bool
	// window is called when measuring starts and when it ends, to
	// snapshot the server's counters.
	window func(start bool)
}

// loadResult is what the measured window of a run saw.
type loadResult struct {
	requests int
	// fresh counts the measured requests that carried alerts never sent
	// before.
	fresh    int
	errors   int
	elapsed  time.Duration
	latency  []time.Duration // sorted
	firstErr error
}

// freshShare is the share of the measured requests whose alerts were
// new: the storm regime is at least 80 % new, the re-send regime's later
// passes none.
func (r *loadResult) freshShare() float64 {
	if r.requests == 0 {
		return 0
	}
	return float64(r.fresh) / float64(r.requests)
}

func (r *loadResult) alertsPerSec(batch int) float64 {
	return float64(r.requests*batch) / r.elapsed.Seconds()
}

// percentile returns the q-quantile (0..1) of the latencies.
func (r *loadResult) percentile(q float64) time.Duration {
	if len(r.latency) == 0 {
		return 0
	}
	i := int(q * float64(len(r.latency)))
	return r.latency[min(i, len(r.latency)-1)]
}

// caughtUpWithin is how late a paced request may complete and still
// count as served on time when a steady run waits to begin.
const caughtUpWithin = 5 * time.Millisecond

// run drives the server. Paced runs measure latency from when each
// request was due, not from when it was sent, so a stalled server is
// charged for the requests it held up (no coordinated omission).
func (l *load) run() (*loadResult, error) {
	var (
		measuring atomic.Bool
		from      atomic.Int64 // UnixNano of the window's start
		stop      atomic.Bool
		next      atomic.Int64 // next request slot
		late      atomic.Int64 // how late the last request completed
		wg        sync.WaitGroup
		mu        sync.Mutex
		res       loadResult
	)
	begin := time.Now()
	interval := time.Duration(0)
	if l.rate > 0 {
		interval = time.Duration(float64(time.Second) * float64(l.batch) / l.rate)
	}
	errc := make(chan error, l.conns)
	for range l.conns {
		c, err := dial(l.addr)
		if err != nil {
			return nil, err
		}
		wg.Go(func() {
			defer c.close()
			var lat []time.Duration
			errs, fresh := 0, 0
			var first error
			for !stop.Load() {
				slot := next.Add(1) - 1
				due := time.Now()
				if interval > 0 {
					due = begin.Add(time.Duration(slot) * interval)
					if d := time.Until(due); d > 0 {
						time.Sleep(d)
					}
				}
				req := l.requests[int(slot)%len(l.requests)]
				status, err := c.do(req)
				took := time.Since(due)
				late.Store(int64(took))
				if err != nil {
					errc <- err
					return
				}
				// A request counts if it was due inside the window: the
				// backlog of a stall before the window is not the window's.
				if !measuring.Load() || due.UnixNano() < from.Load() {
					continue
				}
				lat = append(lat, took)
				if int(slot) < len(l.requests) && l.fresh[slot] {
					fresh++
				}
				if status != 200 {
					errs++
					if first == nil {
						first = fmt.Errorf("HTTP %d", status)
					}
				}
			}
			mu.Lock()
			res.latency = append(res.latency, lat...)
			res.errors += errs
			res.fresh += fresh
			if res.firstErr == nil {
				res.firstErr = first
			}
			mu.Unlock()
		})
	}
	var err error
	select {
	case err = <-errc:
	case <-time.After(l.warmup):
	}
	// A paced run is ready once the server has also worked off the
	// backlog a stall before the window left: until then the requests
	// due inside the window wait behind older ones.
	caughtUp := func() bool { return interval == 0 || time.Duration(late.Load()) < caughtUpWithin }
	for deadline := time.Now().Add(time.Minute); err == nil && l.ready != nil && !(l.ready() && caughtUp()) && time.Now().Before(deadline); {
		select {
		case err = <-errc:
		case <-time.After(500 * time.Millisecond):
		}
	}
	var t0 time.Time
	if err == nil {
		l.window(true)
		t0 = time.Now()
		from.Store(t0.UnixNano())
		measuring.Store(true)
		select {
		case err = <-errc:
		case <-time.After(l.duration):
		}
		measuring.Store(false)
		res.elapsed = time.Since(t0)
		l.window(false)
	}
	stop.Store(true)
	wg.Wait()
	if err != nil {
		return nil, err
	}
	res.requests = len(res.latency)
	slices.Sort(res.latency)
	return &res, nil
}

// conn is a minimal HTTP/1.1 client connection: it writes prepared
// requests and reads just enough of the response to find its status and
// its end. net/http's client costs several times as much CPU per request,
// and on a two-core machine every cycle the load generator spends is
// taken from the server it measures.
type conn struct {
	c net.Conn
	r *bufio.Reader
}

func dial(addr string) (*conn, error) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	return &conn{c: c, r: bufio.NewReaderSize(c, 64<<10)}, nil
}

func (c *conn) close() { c.c.Close() }

// do sends one request and reads its response; it returns the status.
func (c *conn) do(req []byte) (int, error) {
	if _, err := c.c.Write(req); err != nil {
		return 0, err
	}
	line, err := c.r.ReadSlice('\n')
	if err != nil {
		return 0, err
	}
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) {
		return 0, fmt.Errorf("bad status line %q", line)
	}
	status, err := strconv.Atoi(string(line[9:12]))
	if err != nil {
		return 0, fmt.Errorf("bad status line %q", line)
	}
	length, chunked := -1, false
	for {
		h, err := c.r.ReadSlice('\n')
		if err != nil {
			return 0, err
		}
		if len(h) <= 2 {
			break
		}
		name, value, _ := bytes.Cut(h, []byte(":"))
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			length, _ = strconv.Atoi(string(value))
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			chunked = bytes.EqualFold(value, []byte("chunked"))
		}
	}
	switch {
	case chunked:
		return status, c.skipChunks()
	case length >= 0:
		_, err = c.r.Discard(length)
		return status, err
	}
	return status, errors.New("response without a length")
}

func (c *conn) skipChunks() error {
	for {
		line, err := c.r.ReadSlice('\n')
		if err != nil {
			return err
		}
		size, err := strconv.ParseInt(string(bytes.TrimSpace(line)), 16, 64)
		if err != nil {
			return fmt.Errorf("bad chunk size %q", line)
		}
		if _, err := c.r.Discard(int(size) + 2); err != nil {
			return err
		}
		if size == 0 {
			return nil
		}
	}
}

// httpRequest builds a complete POST request.
func httpRequest(addr, path, token string, body []byte) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n", path, addr, len(body))
	if token != "" {
		fmt.Fprintf(&b, "Authorization: Bearer %s\r\n", token)
	}
	b.WriteString("\r\n")
	b.Write(body)
	return b.Bytes()
}

// get fetches a URL path over a fresh connection and returns the body.
func get(addr, path string) ([]byte, error) {
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", path, addr)
	b, err := io.ReadAll(c)
	if err != nil {
		return nil, err
	}
	head, body, ok := bytes.Cut(b, []byte("\r\n\r\n"))
	if !ok || !bytes.HasPrefix(head, []byte("HTTP/1.1 200")) {
		return nil, fmt.Errorf("GET %s: %.80q", path, head)
	}
	if bytes.Contains(bytes.ToLower(head), []byte("transfer-encoding: chunked")) {
		return dechunk(body), nil
	}
	return body, nil
}

func dechunk(b []byte) []byte {
	var out []byte
	for {
		line, rest, ok := bytes.Cut(b, []byte("\r\n"))
		if !ok {
			return out
		}
		n, err := strconv.ParseInt(string(bytes.TrimSpace(line)), 16, 64)
		if err != nil || n == 0 || int(n) > len(rest) {
			return out
		}
		out = append(out, rest[:n]...)
		b = rest[n:]
		b = bytes.TrimPrefix(b, []byte("\r\n"))
	}
}
