// Command storm writes the storm trace and its ground truth, or measures
// storm days against issue 16's targets:
//
//	go run ./e2e/storm/cmd [-seed 1] [-out e2e/testdata]
//	go run ./e2e/storm/cmd -measure [-seeds 1-20] [-config config/alertgate.yml]
//
// The first writes OUT/storm-day.jsonl (replay's trace format, for
// `alertgate replay` and the noise test) and OUT/storm-day.truth.json;
// the same seed always gives the same files. The second replays the day
// of each seed (storm.OptionsFor) through the configuration with the
// operator's catalog and prints the figures side by side, and the
// targets each misses: how to check that what holds for the tested seeds
// holds for others.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	_ "time/tzdata" // Asia/Tokyo without a system zone database

	"github.com/alertgate/alertgate/e2e/storm"
)

func main() {
	opts := storm.DefaultOptions()
	flag.Int64Var(&opts.Seed, "seed", opts.Seed, "random seed of the day")
	out := flag.String("out", "e2e/testdata", "directory to write storm-day.jsonl and storm-day.truth.json to")
	measure := flag.Bool("measure", false, "measure the days of -seeds instead of writing a trace")
	seeds := flag.String("seeds", "1-5", "seeds to measure: a list (1,2,7) or a range (1-20)")
	config := flag.String("config", "config/alertgate.yml", "configuration to measure")
	flag.Parse()
	var err error
	if *measure {
		err = measureSeeds(*config, *seeds)
	} else {
		err = run(opts, *out)
	}
	if err != nil {
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

// measureSeeds prints the figures of each seed's day, and every target
// missed.
func measureSeeds(config, list string) error {
	seeds, err := parseSeeds(list)
	if err != nil {
		return err
	}
	cfg, err := storm.LoadConfig(config, true)
	if err != nil {
		return err
	}
	var ms []*storm.Noise
	failed := 0
	for _, seed := range seeds {
		s := storm.Generate(storm.OptionsFor(seed))
		n, err := storm.Measure(context.Background(), cfg, s.Records, &s.Truth)
		if err != nil {
			return fmt.Errorf("seed %d: %w", seed, err)
		}
		ms = append(ms, n)
		for _, f := range n.Failures() {
			failed++
			fmt.Printf("seed %d misses a target: %s\n", seed, f)
		}
	}
	if err := storm.WriteComparison(os.Stdout, ms...); err != nil {
		return err
	}
	fmt.Printf("\n%d seeds, %d targets missed\n", len(seeds), failed)
	return nil
}

func parseSeeds(list string) ([]int64, error) {
	var out []int64
	for _, part := range strings.Split(list, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.ParseInt(strings.TrimSpace(lo), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("-seeds %q: %w", list, err)
		}
		b := a
		if isRange {
			if b, err = strconv.ParseInt(strings.TrimSpace(hi), 10, 64); err != nil {
				return nil, fmt.Errorf("-seeds %q: %w", list, err)
			}
		}
		for s := a; s <= b; s++ {
			out = append(out, s)
		}
	}
	return out, nil
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
