package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/alertgate/alertgate/config"
	"github.com/alertgate/alertgate/enrich/oncall"
	"github.com/alertgate/alertgate/rules"
)

// routes runs `alertgate routes test --config F [--at T] LABEL=VALUE ...`:
// which routes an alert takes, whether it is muted, silenced or could be
// inhibited, who is on call, and what that adds up to.
func routes(args []string, stdout, stderr io.Writer, getenv env) int {
	if len(args) == 0 || args[0] != "test" {
		fmt.Fprintln(stderr, "usage: alertgate routes test --config FILE [--at RFC3339] LABEL=VALUE ...")
		return exitUsage
	}
	fs := newFlagSet("routes test", stderr)
	path := fs.String("config", "", "configuration `FILE` (required)")
	at := fs.String("at", "", "evaluate at this time (RFC 3339), default now")
	if code := parseFlags(fs, args[1:], stdout, getenv); code >= 0 {
		return code
	}
	labels, err := parseLabels(fs.Args())
	if err == nil && *path == "" {
		err = fmt.Errorf("--config is required")
	}
	when := time.Now()
	if err == nil && *at != "" {
		when, err = time.Parse(time.RFC3339, *at)
	}
	if err != nil {
		fmt.Fprintln(stderr, "alertgate routes test:", err)
		return exitUsage
	}
	cfg, err := config.LoadFile(*path, config.Getenv(getenv))
	if err != nil {
		printErrors(stderr, err)
		return exitFinding
	}
	rs, err := rules.New(cfg)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitFinding
	}
	oc, err := oncall.New(cfg)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitFinding
	}
	e := rs.Explain(context.Background(), labels, when, oc)
	e.WriteText(stdout)
	return exitOK
}

// parseLabels reads LABEL=VALUE arguments.
func parseLabels(args []string) (map[string]string, error) {
	if len(args) == 0 {
		return nil, fmt.Errorf("give the alert's labels as LABEL=VALUE arguments")
	}
	out := make(map[string]string, len(args))
	for _, a := range args {
		k, v, ok := strings.Cut(a, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("label %q: want LABEL=VALUE", a)
		}
		out[k] = strings.Trim(v, `"`)
	}
	return out, nil
}
