package main

import (
	"fmt"
	"io"

	"github.com/alertgate/alertgate/config"
	"github.com/alertgate/alertgate/enrich"
	"github.com/alertgate/alertgate/rules"
)

// checkConfig validates a configuration file and prints every problem with
// file:line, or a short summary when it is valid.
func checkConfig(args []string, stdout, stderr io.Writer, getenv env) int {
	fs := newFlagSet("check-config", stderr)
	path := fs.String("config", "", "configuration `FILE` to check (required)")
	if code := parseFlagsOnly(fs, args, stdout, getenv); code >= 0 {
		return code
	}
	if *path == "" {
		fmt.Fprintln(stderr, "alertgate check-config: --config is required")
		return exitUsage
	}
	cfg, err := config.LoadFile(*path, config.Getenv(getenv))
	if err != nil {
		printErrors(stderr, err)
		return exitFinding
	}
	if _, err := rules.New(cfg); err != nil {
		printErrors(stderr, fmt.Errorf("%s: %w", *path, err))
		return exitFinding
	}
	// serve loads the runbooks at start; a configuration that names a
	// directory serve cannot load is not ok.
	if _, err := enrich.LoadRunbooks(cfg); err != nil {
		printErrors(stderr, fmt.Errorf("%s: %w", *path, err))
		return exitFinding
	}
	fmt.Fprintf(stdout, "%s: ok (%d receivers)\n", *path, len(cfg.Receivers))
	return exitOK
}

// printErrors writes one problem per line.
func printErrors(w io.Writer, err error) {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			printErrors(w, e)
		}
		return
	}
	fmt.Fprintln(w, err)
}
