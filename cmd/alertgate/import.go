package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/alertgate/alertgate/config"
	"github.com/alertgate/alertgate/config/amimport"
	"github.com/alertgate/alertgate/rules"
)

// importCmd runs `alertgate import alertmanager FILE [-o FILE]`: it
// converts an Alertmanager configuration and writes the alertgate one to
// the output file (or stdout), then lists on stderr the environment
// variables it reads and what was not carried over.
func importCmd(args []string, stdout, stderr io.Writer, getenv env) int {
	if len(args) == 0 || args[0] != "alertmanager" {
		fmt.Fprintln(stderr, "usage: alertgate import alertmanager FILE [-o FILE]")
		return exitUsage
	}
	fs := newFlagSet("import alertmanager", stderr)
	out := fs.String("o", "", "write the alertgate configuration to `FILE` (default stdout)")
	if code := parseFlags(fs, args[1:], stdout, getenv); code >= 0 {
		return code
	}
	// The file may come before the flags, as the usage line shows it.
	if rest := fs.Args(); len(rest) > 1 {
		if err := fs.Parse(rest[1:]); err != nil {
			return exitUsage
		}
		if fs.NArg() == 0 {
			fs = withArg(fs, rest[0])
		}
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "usage: alertgate import alertmanager FILE [-o FILE]")
		return exitUsage
	}
	in := fs.Arg(0)
	data, err := os.ReadFile(in)
	if err != nil {
		fmt.Fprintln(stderr, "alertgate import:", err)
		return exitFinding
	}
	outDir := "."
	if *out != "" {
		outDir = filepath.Dir(*out)
	}
	res, err := amimport.Convert(data, amimport.Options{SourceDir: filepath.Dir(in), OutputDir: outDir})
	if err != nil {
		fmt.Fprintf(stderr, "alertgate import: %s: %v\n", in, err)
		return exitFinding
	}
	if err := selfCheck(res, outDir); err != nil {
		fmt.Fprintf(stderr, "alertgate import: the converted configuration does not load (a bug; please report it with the input):\n%v\n", err)
		return exitFinding
	}
	if *out == "" {
		_, _ = stdout.Write(res.YAML)
	} else if err := os.WriteFile(*out, res.YAML, 0o644); err != nil {
		fmt.Fprintln(stderr, "alertgate import:", err)
		return exitFinding
	}
	importReport(stderr, res, *out)
	return exitOK
}

// selfCheck loads the result as check-config would, with a placeholder
// for every variable it reads.
func selfCheck(res *amimport.Result, dir string) error {
	vals := map[string]string{}
	for _, v := range res.Env {
		vals[v.Name] = "placeholder"
		if v.URL {
			vals[v.Name] = "https://placeholder.invalid/"
		}
	}
	tmp, err := os.CreateTemp(dir, ".alertgate-import-*.yml")
	if err != nil {
		tmp, err = os.CreateTemp("", "alertgate-import-*.yml")
		if err != nil {
			return err
		}
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(res.YAML); err != nil {
		return err
	}
	_ = tmp.Close()
	cfg, err := config.LoadFile(tmp.Name(), func(name string) (string, bool) { v, ok := vals[name]; return v, ok })
	if err != nil {
		return err
	}
	_, err = rules.New(cfg)
	return err
}

func importReport(w io.Writer, res *amimport.Result, out string) {
	dest := out
	if dest == "" {
		dest = "stdout"
	}
	fmt.Fprintf(w, "converted to %s; set these environment variables before alertgate check-config or serve:\n", dest)
	for _, v := range res.Env {
		from := v.From
		if v.File != "" {
			from += ", the content of " + v.File
		}
		fmt.Fprintf(w, "  %s  (%s)\n", v.Name, from)
	}
	if len(res.Dropped) == 0 {
		fmt.Fprintln(w, "everything was carried over")
		return
	}
	fmt.Fprintf(w, "not carried over (%d, also commented in the output):\n", len(res.Dropped))
	for _, d := range res.Dropped {
		fmt.Fprintln(w, "  "+strings.TrimSpace(d.String()))
	}
}

// withArg returns a flag set whose only argument is arg, keeping the
// flags parsed so far.
func withArg(fs *flag.FlagSet, arg string) *flag.FlagSet {
	_ = fs.Parse([]string{arg})
	return fs
}
