package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/alertgate/alertgate/incident"
)

// The operator's commands ask a running alertgate, like report: --url,
// the admin token from ALERTGATE_ADMIN_TOKEN (or --token-file), --format
// text (a table for people) or json (the API's answer as is), errors on
// stderr with exit code 1, usage errors 2.

// parseArgs parses flags that may stand before, between or after the
// positional arguments (alertgate ack ID --by hanako), and returns the
// positional ones.
func parseArgs(fs *flag.FlagSet, args []string, stdout io.Writer, getenv env) ([]string, int) {
	var flags, pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			pos = append(pos, args[i+1:]...)
			i = len(args)
		case strings.HasPrefix(a, "-") && len(a) > 1:
			flags = append(flags, a)
			name := strings.TrimLeft(a, "-")
			if strings.Contains(name, "=") || isBoolFlag(fs, name) || i+1 == len(args) {
				continue
			}
			i++
			flags = append(flags, args[i])
		default:
			pos = append(pos, a)
		}
	}
	if code := parseFlags(fs, flags, stdout, getenv); code >= 0 {
		return nil, code
	}
	return pos, -1
}

// isBoolFlag reports whether the named flag takes no value (or is
// unknown, which parseFlags reports).
func isBoolFlag(fs *flag.FlagSet, name string) bool {
	f := fs.Lookup(name)
	if f == nil {
		return name == "version" || name == "h" || name == "help"
	}
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// who is the name actions are recorded under: --by, else the login name.
func who(by string, getenv env) string {
	if by != "" {
		return by
	}
	if u, ok := getenv("USER"); ok && u != "" {
		return u
	}
	return "alertgate CLI"
}

// operatorCmd is a subcommand of the operator CLI being set up: its
// flag set with --url, --token-file and --format.
type operatorCmd struct {
	name   string
	fs     *flag.FlagSet
	api    apiFlags
	format *string
}

func newOperatorCmd(name string, stderr io.Writer) *operatorCmd {
	c := &operatorCmd{name: name, fs: newFlagSet(name, stderr)}
	c.api.register(c.fs)
	c.format = c.fs.String("format", "text", "text or json")
	return c
}

// parse parses the flags and returns the positional arguments, or an
// exit code to stop with.
func (c *operatorCmd) parse(args []string, stdout io.Writer, getenv env) ([]string, int) {
	pos, code := parseArgs(c.fs, args, stdout, getenv)
	if code >= 0 {
		return nil, code
	}
	if *c.format != "text" && *c.format != "json" {
		fmt.Fprintf(c.fs.Output(), "alertgate %s: --format must be text or json, got %q\n", c.name, *c.format)
		return nil, exitUsage
	}
	return pos, -1
}

// incidentsCmd runs `alertgate incidents ls|show ID`.
func incidentsCmd(args []string, stdout, stderr io.Writer, getenv env) int {
	if len(args) == 0 || (args[0] != "ls" && args[0] != "show") {
		fmt.Fprintln(stderr, "usage: alertgate incidents ls [--since 7d] [--status open|resolved] | show ID  [--format text|json] [--url URL]")
		return exitUsage
	}
	sub := args[0]
	c := newOperatorCmd("incidents "+sub, stderr)
	api, format := &c.api, c.format
	since := c.fs.String("since", "7d", "list incidents opened this far back (7d, 24h) or since an RFC 3339 time")
	status := c.fs.String("status", "", "open or resolved; empty lists both")
	pos, code := c.parse(args[1:], stdout, getenv)
	if code >= 0 {
		return code
	}
	var b []byte
	var err error
	switch {
	case sub == "ls" && len(pos) == 0:
		q := url.Values{"since": {*since}}
		if *status != "" {
			q.Set("status", *status)
		}
		b, err = api.call(http.MethodGet, "/api/v1/incidents", q, nil, getenv)
	case sub == "show" && len(pos) == 1:
		b, err = api.call(http.MethodGet, "/api/v1/incidents/"+url.PathEscape(pos[0]), nil, nil, getenv)
	default:
		fmt.Fprintln(stderr, "usage: alertgate incidents ls [--since 7d] [--status open|resolved] | show ID  [--format text|json] [--url URL]")
		return exitUsage
	}
	if err == nil {
		err = writeIncidents(stdout, sub, *format, b)
	}
	if err != nil {
		fmt.Fprintln(stderr, "alertgate incidents:", err)
		return exitFinding
	}
	return exitOK
}

// incidentJSON is an incident as the API answers it.
type incidentJSON struct {
	incident.Incident
	MTTA     float64          `json:"mttaMinutes"`
	MTTR     float64          `json:"mttrMinutes"`
	Timeline []incident.Event `json:"timeline"`
}

func writeIncidents(w io.Writer, sub, format string, b []byte) error {
	if format == "json" {
		_, err := w.Write(b)
		return err
	}
	if sub == "ls" {
		var list []incidentJSON
		if err := json.Unmarshal(b, &list); err != nil {
			return fmt.Errorf("reading the answer: %w", err)
		}
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tSTATUS\tSEVERITY\tSERVICE\tOPENED\tACKED BY\tTITLE")
		for _, in := range list {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", in.ID, in.Status, orDash(string(in.Severity)), orDash(in.Service), clock(in.Opened), orDash(in.AckedBy), in.Title)
		}
		return tw.Flush()
	}
	var in incidentJSON
	if err := json.Unmarshal(b, &in); err != nil {
		return fmt.Errorf("reading the answer: %w", err)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "Incident\t%s\n", in.ID)
	fmt.Fprintf(tw, "Title\t%s\n", in.Title)
	fmt.Fprintf(tw, "Status\t%s\n", in.Status)
	fmt.Fprintf(tw, "Severity\t%s\n", orDash(string(in.Severity)))
	fmt.Fprintf(tw, "Service\t%s\n", orDash(in.Service))
	fmt.Fprintf(tw, "Receiver\t%s\n", in.Receiver)
	fmt.Fprintf(tw, "Opened\t%s\n", clock(in.Opened))
	if in.AckedBy != "" {
		fmt.Fprintf(tw, "Acknowledged\t%s by %s\n", clock(in.AckedAt), in.AckedBy)
	}
	if !in.ResolvedAt.IsZero() {
		fmt.Fprintf(tw, "Resolved\t%s\n", clock(in.ResolvedAt))
	}
	if in.MTTA > 0 || in.MTTR > 0 {
		fmt.Fprintf(tw, "MTTA / MTTR\t%.0f / %.0f min\n", in.MTTA, in.MTTR)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "\nTimeline")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, e := range in.Timeline {
		line := []string{clock(e.At), string(e.Type), e.Alert}
		if e.Target != "" {
			line = append(line, "→ "+e.Target)
		}
		if e.Actor != "" {
			line = append(line, "by "+e.Actor)
		}
		if e.Detail != "" {
			line = append(line, e.Detail)
		}
		fmt.Fprintln(tw, "  "+strings.Join(line, "\t"))
	}
	return tw.Flush()
}

// ackCmd runs `alertgate ack ID [--by NAME]`.
func ackCmd(args []string, stdout, stderr io.Writer, getenv env) int {
	fs := newFlagSet("ack", stderr)
	var api apiFlags
	api.register(fs)
	by := fs.String("by", "", "who acknowledges (default: $USER)")
	pos, code := parseArgs(fs, args, stdout, getenv)
	if code >= 0 {
		return code
	}
	if len(pos) != 1 {
		fmt.Fprintln(stderr, "usage: alertgate ack ID [--by NAME] [--url URL]")
		return exitUsage
	}
	body, _ := json.Marshal(map[string]string{"by": who(*by, getenv)})
	b, err := api.call(http.MethodPost, "/api/v1/incidents/"+url.PathEscape(pos[0])+"/ack", nil, body, getenv)
	if err != nil {
		fmt.Fprintln(stderr, "alertgate ack:", err)
		return exitFinding
	}
	var res struct{ ID string }
	_ = json.Unmarshal(b, &res)
	fmt.Fprintf(stdout, "acknowledged %s by %s\n", res.ID, who(*by, getenv))
	return exitOK
}

// silenceCmd runs `alertgate silence add|ls|expire`.
func silenceCmd(args []string, stdout, stderr io.Writer, getenv env) int {
	usage := "usage: alertgate silence add [--duration 2h] [--comment TEXT] [--by NAME] MATCHER... | ls [--format text|json] | expire ID...  [--url URL]"
	if len(args) == 0 || (args[0] != "add" && args[0] != "ls" && args[0] != "expire") {
		fmt.Fprintln(stderr, usage)
		return exitUsage
	}
	sub := args[0]
	c := newOperatorCmd("silence "+sub, stderr)
	api, format := &c.api, c.format
	duration := c.fs.String("duration", "2h", "how long the silence lasts (30m, 2h, 1d)")
	comment := c.fs.String("comment", "", "why, and a ticket link")
	by := c.fs.String("by", "", "who silences (default: $USER)")
	pos, code := c.parse(args[1:], stdout, getenv)
	if code >= 0 {
		return code
	}
	var err error
	switch {
	case sub == "add" && len(pos) > 0:
		err = silenceAdd(api, stdout, pos, *duration, *comment, who(*by, getenv), getenv)
	case sub == "ls" && len(pos) == 0:
		err = silenceList(api, stdout, *format, getenv)
	case sub == "expire" && len(pos) > 0:
		for _, id := range pos {
			q := url.Values{"by": {who(*by, getenv)}}
			if _, err = api.call(http.MethodDelete, "/api/v1/silences/"+url.PathEscape(id), q, nil, getenv); err != nil {
				break
			}
			fmt.Fprintln(stdout, "expired", id)
		}
	default:
		fmt.Fprintln(stderr, usage)
		return exitUsage
	}
	if err != nil {
		fmt.Fprintln(stderr, "alertgate silence:", err)
		return exitFinding
	}
	return exitOK
}

func silenceAdd(api *apiFlags, w io.Writer, matchers []string, duration, comment, by string, getenv env) error {
	body, _ := json.Marshal(map[string]any{"matchers": matchers, "duration": duration, "comment": comment, "createdBy": by})
	b, err := api.call(http.MethodPost, "/api/v1/silences", nil, body, getenv)
	if err != nil {
		return err
	}
	var s struct{ ID string }
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("reading the answer: %w", err)
	}
	fmt.Fprintln(w, s.ID)
	return nil
}

func silenceList(api *apiFlags, w io.Writer, format string, getenv env) error {
	b, err := api.call(http.MethodGet, "/api/v1/silences", nil, nil, getenv)
	if err != nil || format == "json" {
		if err == nil {
			_, err = w.Write(b)
		}
		return err
	}
	var list []struct {
		incident.Silence
		Status string `json:"status"`
	}
	if err := json.Unmarshal(b, &list); err != nil {
		return fmt.Errorf("reading the answer: %w", err)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATE\tENDS\tBY\tMATCHERS\tCOMMENT")
	for _, s := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", s.ID, s.Status, clock(s.EndsAt), s.CreatedBy, strings.Join(s.Matchers, ","), s.Comment)
	}
	return tw.Flush()
}

// clock shows a time in the machine's zone, to the minute.
func clock(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.In(time.Local).Format("2006-01-02 15:04 MST")
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
