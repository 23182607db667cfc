package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// newFlagSet returns a flag set for a subcommand that reports errors to
// stderr and understands --version.
func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("alertgate "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// parseFlags parses args, first taking defaults from ALERTGATE_* variables
// (ALERTGATE_CONFIG for --config, ALERTGATE_LOG_LEVEL for --log-level), so
// that flags override the environment. It returns an exit code to stop
// with, or -1 to go on.
func parseFlags(fs *flag.FlagSet, args []string, stdout io.Writer, getenv env) int {
	var envErr error
	fs.VisitAll(func(f *flag.Flag) {
		name := "ALERTGATE_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v, ok := getenv(name); ok {
			if err := f.Value.Set(v); err != nil {
				envErr = errors.Join(envErr, fmt.Errorf("%s=%q: %w", name, v, err))
			}
		}
	})
	version := fs.Bool("version", false, "print the version and exit")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if envErr != nil {
		fmt.Fprintln(fs.Output(), envErr)
		return exitUsage
	}
	if *version {
		fmt.Fprintln(stdout, "alertgate", versionString())
		return exitOK
	}
	return -1
}

// parseFlagsOnly is parseFlags for commands that take no arguments.
func parseFlagsOnly(fs *flag.FlagSet, args []string, stdout io.Writer, getenv env) int {
	if code := parseFlags(fs, args, stdout, getenv); code >= 0 {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "unexpected arguments: %q\n", fs.Args())
		return exitUsage
	}
	return -1
}

func versionString() string { return version }
