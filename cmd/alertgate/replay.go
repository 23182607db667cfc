package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/alertgate/alertgate/config"
	"github.com/alertgate/alertgate/replay"
	"github.com/alertgate/alertgate/router"
	"github.com/alertgate/alertgate/router/notify"
	"github.com/alertgate/alertgate/rules"
)

// replayCmd runs `alertgate replay --config F TRACE.jsonl`: what the
// recorded webhooks would have sent under this configuration, per target
// and hour.
func replayCmd(args []string, stdout, stderr io.Writer, getenv env) int {
	fs := newFlagSet("replay", stderr)
	path := fs.String("config", "", "configuration `FILE` to replay through (required)")
	format := fs.String("format", "text", "text or json")
	if code := parseFlags(fs, args, stdout, getenv); code >= 0 {
		return code
	}
	if *path == "" || fs.NArg() != 1 || (*format != "text" && *format != "json") {
		fmt.Fprintln(stderr, "usage: alertgate replay --config FILE [--format text|json] TRACE.jsonl")
		return exitUsage
	}
	cfg, err := config.LoadFile(*path, config.Getenv(getenv))
	if err != nil {
		printErrors(stderr, err)
		return exitFinding
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		fmt.Fprintln(stderr, "alertgate replay:", err)
		return exitFinding
	}
	defer f.Close()
	records, err := replay.Read(f)
	if err == nil {
		var res *replay.Result
		if res, err = replay.Run(context.Background(), replayGate, cfg, records, replay.Options{}); err == nil {
			err = writeReplay(stdout, res, cfg, *format)
		}
	}
	if err != nil {
		fmt.Fprintln(stderr, "alertgate replay:", err)
		return exitFinding
	}
	return exitOK
}

func writeReplay(w io.Writer, res *replay.Result, cfg *config.Config, format string) error {
	if format == "json" {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	rs, err := rules.New(cfg)
	if err != nil {
		return err
	}
	return res.Write(w, rs.Location())
}

// replayGate plays a trace through alertgate's HTTP endpoints and engine
// on a memory store.
func replayGate(cfg *config.Config, now func() time.Time, sink notify.Notifier) (replay.Gate, error) {
	return router.NewReplay(cfg, now, sink, nil)
}
