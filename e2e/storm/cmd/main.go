// Command storm writes the storm trace and its ground truth:
//
//	go run ./e2e/storm/cmd [-seed 1] [-out e2e/testdata]
//
// It writes OUT/storm-day.jsonl (replay's trace format, for `alertgate
// replay` and the noise test) and OUT/storm-day.truth.json. The same seed
// always gives the same files.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	_ "time/tzdata" // Asia/Tokyo without a system zone database

	"github.com/alertgate/alertgate/e2e/storm"
)

func main() {
	opts := storm.DefaultOptions()
	flag.Int64Var(&opts.Seed, "seed", opts.Seed, "random seed of the day")
	out := flag.String("out", "e2e/testdata", "directory to write storm-day.jsonl and storm-day.truth.json to")
	flag.Parse()
	if err := run(opts, *out); err != nil {
		fmt.Fprintln(os.Stderr, "storm:", err)
		os.Exit(1)
	}
}

func run(opts storm.Options, dir string) error {
	s := storm.Generate(opts)
	trace, truth := filepath.Join(dir, storm.TraceFile), filepath.Join(dir, storm.TruthFile)
	if err := writeFile(trace, func(f *os.File) error { return storm.WriteTrace(f, s.Records) }); err != nil {
		return err
	}
	if err := writeFile(truth, func(f *os.File) error { return s.Truth.WriteJSON(f) }); err != nil {
		return err
	}
	fmt.Printf("%s: %d webhooks, %d alerts\n%s: %d incidents\n", trace, len(s.Records), storm.Alerts(s.Records), truth, len(s.Truth.Incidents))
	return nil
}

func writeFile(path string, write func(*os.File) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	return f.Close()
}
