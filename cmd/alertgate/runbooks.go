package main

import (
	"fmt"
	"io"

	"github.com/alertgate/alertgate/config"
	"github.com/alertgate/alertgate/enrich/runbook"
	"github.com/alertgate/alertgate/rules"
)

// runbooksCmd runs `alertgate runbooks lint [--config F] [DIR]`: schema
// errors with file:line, unknown fields, duplicate ids, bad matchers,
// overlapping runbooks, and — with --config — alert names the routing
// configuration mentions that no runbook covers. Exit 1 on errors, so it
// fits a CI step in the runbook repository.
func runbooksCmd(args []string, stdout, stderr io.Writer, getenv env) int {
	if len(args) == 0 || args[0] != "lint" {
		fmt.Fprintln(stderr, "usage: alertgate runbooks lint [--config FILE] [DIR]")
		return exitUsage
	}
	fs := newFlagSet("runbooks lint", stderr)
	path := fs.String("config", "", "configuration `FILE` whose alert names must have runbooks")
	if code := parseFlags(fs, args[1:], stdout, getenv); code >= 0 {
		return code
	}
	if fs.NArg() > 1 {
		fmt.Fprintln(stderr, "usage: alertgate runbooks lint [--config FILE] [DIR]")
		return exitUsage
	}
	dir := "runbooks"
	if fs.NArg() == 1 {
		dir = fs.Arg(0)
	}
	var names []string
	if *path != "" {
		cfg, err := config.LoadFile(*path, config.Getenv(getenv))
		if err != nil {
			printErrors(stderr, err)
			return exitFinding
		}
		names = rules.AlertNames(cfg)
	}
	rep := runbook.Lint(dir, names)
	rep.Write(stdout)
	if rep.HasErrors() {
		return exitFinding
	}
	fmt.Fprintf(stdout, "%s: no errors\n", dir)
	return exitOK
}
