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
