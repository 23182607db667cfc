// Command alertgate is an alert routing and noise-reduction gateway between
// monitoring tools (Prometheus Alertmanager, CloudWatch via SNS, New Relic)
// and the people who get paged.
//
// Usage:
//
//	alertgate serve        --config FILE [--listen ADDR] [--store memory|redis] [--record FILE]
//	alertgate check-config --config FILE
//	alertgate routes test  --config FILE [--at RFC3339] LABEL=VALUE ...
//	alertgate runbooks lint [--config FILE] [DIR]
//	alertgate replay       --config FILE [--compare FILE] [--format text|json] TRACE.jsonl
//	alertgate import alertmanager FILE [-o FILE]
//	alertgate report       [--since 7d] [--format text|markdown|json] [--url URL]
//	alertgate postmortem   ID [--lang en|ja] [--url URL]
//	alertgate incidents    ls|show ID [--format text|json] [--url URL]
//	alertgate ack          ID [--by NAME] [--url URL]
//	alertgate silence      add|ls|expire [--url URL]
//	alertgate --version
//
// Every flag can also be set with an ALERTGATE_* environment variable
// (ALERTGATE_CONFIG, ALERTGATE_LISTEN, ...); flags win. Exit codes: 0
// success, 1 a finding (invalid configuration), 2 usage error.
package main

import (
	"fmt"
	"io"
	"os"
	_ "time/tzdata" // time zones (Asia/Tokyo) even in a scratch image
)

// version is stamped at build time with -ldflags "-X main.version=...".
var version = "dev"

// Exit codes shared by every subcommand.
const (
	exitOK      = 0
	exitFinding = 1
	exitUsage   = 2
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr, os.LookupEnv))
}

// env is how the CLI reads the environment; os.LookupEnv in main.
type env func(string) (string, bool)

func run(args []string, stdout, stderr io.Writer, getenv env) int {
	cmd := "serve"
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serve(args, stdout, stderr, getenv)
	case "check-config":
		return checkConfig(args, stdout, stderr, getenv)
	case "routes":
		return routes(args, stdout, stderr, getenv)
	case "report":
		return report(args, stdout, stderr, getenv)
	case "postmortem":
		return postmortem(args, stdout, stderr, getenv)
	case "replay":
		return replayCmd(args, stdout, stderr, getenv)
	case "incidents":
		return incidentsCmd(args, stdout, stderr, getenv)
	case "ack":
		return ackCmd(args, stdout, stderr, getenv)
	case "silence":
		return silenceCmd(args, stdout, stderr, getenv)
	case "runbooks":
		return runbooksCmd(args, stdout, stderr, getenv)
	case "import":
		return importCmd(args, stdout, stderr, getenv)
	case "version":
		fmt.Fprintln(stdout, "alertgate", version)
		return exitOK
	case "help":
		usage(stdout)
		return exitOK
	}
	fmt.Fprintf(stderr, "alertgate: unknown command %q\n\n", cmd)
	usage(stderr)
	return exitUsage
}

func usage(w io.Writer) {
	fmt.Fprint(w, `Usage:
  alertgate serve        --config FILE [--listen ADDR] [--store memory|redis] [--record FILE]
  alertgate check-config --config FILE
  alertgate routes test  --config FILE [--at RFC3339] LABEL=VALUE ...
  alertgate runbooks lint [--config FILE] [DIR]
  alertgate replay       --config FILE [--compare FILE] [--format text|json] TRACE.jsonl
  alertgate import alertmanager FILE [-o FILE]
  alertgate report       [--since 7d] [--format text|markdown|json] [--url URL]
  alertgate postmortem   ID [--lang en|ja] [--url URL]
  alertgate incidents    ls [--since 7d] [--status open|resolved] | show ID  [--format text|json]
  alertgate ack          ID [--by NAME]
  alertgate silence      add [--duration 2h] [--comment TEXT] MATCHER... | ls | expire ID...
  alertgate --version

report, postmortem, incidents, ack and silence ask a running alertgate
(--url, default http://localhost:9095) with the admin token from
ALERTGATE_ADMIN_TOKEN.

Flags can also be set as ALERTGATE_<FLAG> environment variables
(for example ALERTGATE_CONFIG, ALERTGATE_LISTEN); flags win.
`)
}
