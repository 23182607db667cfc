package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"
)

// readReply reads one RESP reply: a string for simple and bulk strings
// and integers, a []any for arrays, nil for a nil reply.
func readReply(r *bufio.Reader) (any, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return nil, err
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return nil, fmt.Errorf("empty reply line")
	}
	switch line[0] {
	case '+', ':':
		return line[1:], nil
	case '-':
		return nil, fmt.Errorf("redis: %s", line[1:])
	case '$':
		n, err := strconv.Atoi(line[1:])
		if err != nil {
			return nil, fmt.Errorf("reply %q", line)
		}
		if n < 0 {
			return nil, nil
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(r, buf); err != nil {
			return nil, err
		}
		return string(buf[:n]), nil
	case '*':
		n, err := strconv.Atoi(line[1:])
		if err != nil {
			return nil, fmt.Errorf("reply %q", line)
		}
		out := make([]any, 0, max(n, 0))
		for range n {
			v, err := readReply(r)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	}
	return nil, fmt.Errorf("reply %q", line)
}

// redisCall sends one command and returns its decoded reply.
func redisCall(addr string, args ...string) (any, error) {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := io.WriteString(c, b.String()); err != nil {
		return nil, err
	}
	return readReply(bufio.NewReaderSize(c, 1<<20))
}

// slowlogScripts reads Redis's SLOWLOG (every command, when the bench
// set slowlog-log-slower-than 0) and sums the time of each script,
// named by its SHA's first 8 digits and its first key, busiest first.
func slowlogScripts(addr string) (string, error) {
	v, err := redisCall(addr, "SLOWLOG", "GET", "100000")
	if err != nil {
		return "", err
	}
	entries, _ := v.([]any)
	type agg struct {
		calls, usec, args int64
	}
	by := map[string]*agg{}
	for _, e := range entries {
		f, _ := e.([]any)
		if len(f) < 4 {
			continue
		}
		dur, _ := strconv.ParseInt(fmt.Sprint(f[2]), 10, 64)
		argv, _ := f[3].([]any)
		if len(argv) == 0 {
			continue
		}
		name := strings.ToLower(fmt.Sprint(argv[0]))
		if (name == "evalsha" || name == "eval") && len(argv) >= 4 {
			sha := fmt.Sprint(argv[1])
			name = "script " + sha[:min(8, len(sha))] + " " + fmt.Sprint(argv[3])
		}
		a := by[name]
		if a == nil {
			a = &agg{}
			by[name] = a
		}
		a.calls++
		a.usec += dur
		a.args += int64(len(argv))
	}
	names := make([]string, 0, len(by))
	for n := range by {
		names = append(names, n)
	}
	slices.SortFunc(names, func(a, b string) int { return int(by[b].usec - by[a].usec) })
	var out strings.Builder
	for _, n := range names[:min(10, len(names))] {
		a := by[n]
		fmt.Fprintf(&out, "    %-60s %6d calls %8d µs (%5.0f µs each, %4.0f args each)\n", n, a.calls, a.usec,
			float64(a.usec)/float64(a.calls), float64(a.args)/float64(a.calls))
	}
	return out.String(), nil
}

// redisDo sends one command to the Redis at addr and returns its reply:
// the text of a simple or bulk string, or an error. It is all the bench
// needs of a Redis client (FLUSHALL, CONFIG RESETSTAT, INFO).
func redisDo(addr string, args ...string) (string, error) {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := io.WriteString(c, b.String()); err != nil {
		return "", err
	}
	r := bufio.NewReader(c)
	line, err := r.ReadString('\n')
	if err != nil {
		return "", err
	}
	line = strings.TrimRight(line, "\r\n")
	switch {
	case strings.HasPrefix(line, "+"):
		return line[1:], nil
	case strings.HasPrefix(line, "$"):
		n, err := strconv.Atoi(line[1:])
		if err != nil || n < 0 {
			return "", fmt.Errorf("%s: reply %q", args[0], line)
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(r, buf); err != nil {
			return "", err
		}
		return string(buf[:n]), nil
	}
	return "", fmt.Errorf("%s: reply %q", args[0], line)
}

// commandStat is one line of INFO commandstats.
type commandStat struct {
	name  string
	calls int64
	usec  int64
}

// commandStats parses INFO commandstats, busiest command first.
func commandStats(info string) []commandStat {
	var out []commandStat
	for _, line := range strings.Split(info, "\n") {
		name, rest, ok := strings.Cut(strings.TrimSpace(line), ":")
		if !ok || !strings.HasPrefix(name, "cmdstat_") {
			continue
		}
		st := commandStat{name: strings.TrimPrefix(name, "cmdstat_")}
		for _, kv := range strings.Split(rest, ",") {
			k, v, _ := strings.Cut(kv, "=")
			n, _ := strconv.ParseInt(v, 10, 64)
			switch k {
			case "calls":
				st.calls = n
			case "usec":
				st.usec = n
			}
		}
		out = append(out, st)
	}
	slices.SortFunc(out, func(a, b commandStat) int { return int(b.usec - a.usec) })
	return out
}

// describeCommands summarizes the busiest commands of a run, per request.
func describeCommands(stats []commandStat, requests int) string {
	if requests == 0 {
		return ""
	}
	var parts []string
	for _, st := range stats[:min(len(stats), 6)] {
		parts = append(parts, fmt.Sprintf("%s %.2f calls %.0f µs", st.name, float64(st.calls)/float64(requests), float64(st.usec)/float64(requests)))
	}
	return "Redis per request: " + strings.Join(parts, "; ")
}
