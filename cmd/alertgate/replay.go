package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/alertgate/alertgate/config"
	"github.com/alertgate/alertgate/enrich/oncall"
	"github.com/alertgate/alertgate/replay"
	"github.com/alertgate/alertgate/router"
	"github.com/alertgate/alertgate/router/notify"
	"github.com/alertgate/alertgate/router/store"
)

// replayCmd runs `alertgate replay --config A [--compare B] [--format
// text|json] TRACE.jsonl`: what the recorded webhooks would have sent
// under a configuration, per target and hour, or side by side under two;
// with --format json, one object per provider call.
func replayCmd(args []string, stdout, stderr io.Writer, getenv env) int {
	fs := newFlagSet("replay", stderr)
	path := fs.String("config", "", "configuration `FILE` to replay through (required)")
	compare := fs.String("compare", "", "second configuration `FILE` to replay the same trace through, side by side")
	format := fs.String("format", "text", "text, or json: one JSON object per provider call (JSON Lines)")
	if code := parseFlags(fs, args, stdout, getenv); code >= 0 {
		return code
	}
	if *path == "" || fs.NArg() != 1 || (*format != "text" && *format != "json") || (*compare != "" && *format == "json") {
		fmt.Fprintln(stderr, "usage: alertgate replay --config FILE [--compare FILE | --format text|json] TRACE.jsonl")
		return exitUsage
	}
	a, err := config.LoadFile(*path, config.Getenv(getenv))
	if err != nil {
		printErrors(stderr, err)
		return exitFinding
	}
	if *compare != "" {
		b, err := config.LoadFile(*compare, config.Getenv(getenv))
		if err != nil {
			printErrors(stderr, err)
			return exitFinding
		}
		err = compareReplays(stdout, fs.Arg(0), *path, a, *compare, b)
		return replayExit(stderr, err)
	}
	out := bufio.NewWriter(stdout)
	defer out.Flush()
	opts := replay.Options{}
	if *format == "json" {
		enc := json.NewEncoder(out)
		opts.OnCall = func(c replay.Call, _ *notify.Notification) {
			if err := enc.Encode(c); err != nil {
				fmt.Fprintln(stderr, "alertgate replay:", err)
			}
		}
	}
	res, err := replayFile(fs.Arg(0), a, opts)
	if err != nil {
		return replayExit(stderr, err)
	}
	if *format == "json" {
		// stdout stays one call per line; what was refused goes to stderr.
		for _, r := range res.Refusals {
			fmt.Fprintf(stderr, "refused: %s %s %d %s %s\n", r.At.Format(time.RFC3339), r.Source, r.Status, r.Field, r.Reason)
		}
		return exitOK
	}
	return replayExit(stderr, res.Write(out))
}

func replayExit(stderr io.Writer, err error) int {
	if err != nil {
		fmt.Fprintln(stderr, "alertgate replay:", err)
		return exitFinding
	}
	return exitOK
}

// compareReplays plays the trace through both configurations and prints
// them side by side.
func compareReplays(w io.Writer, trace, nameA string, a *config.Config, nameB string, b *config.Config) error {
	ra, err := replayFile(trace, a, replay.Options{})
	if err != nil {
		return err
	}
	rb, err := replayFile(trace, b, replay.Options{})
	if err != nil {
		return err
	}
	return replay.Compare(w, nameA, ra, nameB, rb)
}

// replayFile streams the trace at path through cfg.
func replayFile(path string, cfg *config.Config, opts replay.Options) (*replay.Result, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return replay.Run(context.Background(), replayGate, cfg, replay.NewReader(f), opts)
}

// replayGate plays a trace through alertgate's HTTP endpoints and engine
// on a memory store, with the enrichment serve runs: runbooks and their
// quiet windows, local on-call rotations, and the LLM if the
// configuration has one. PagerDuty schedules are not asked: a replay
// must not call production APIs for who was on call.
func replayGate(cfg *config.Config, now func() time.Time, sink notify.CallSink) (replay.Gate, error) {
	return router.NewReplay(cfg, now, sink, func(st store.Store) (router.ReplayEnricher, error) {
		local := *cfg
		local.OnCall = nil
		for _, oc := range cfg.OnCall {
			if oc.Rotation != nil {
				local.OnCall = append(local.OnCall, oc)
			}
		}
		oc, err := oncall.New(&local)
		if err != nil {
			return nil, err
		}
		return newEnricher(cfg, st, oc, now, slog.New(slog.DiscardHandler), prometheus.NewRegistry())
	})
}
