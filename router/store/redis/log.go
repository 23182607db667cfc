package redis

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"time"
)

// ClientLogger writes go-redis's own log lines (a failed dial, a broken
// pool connection) to a slog.Logger. go-redis logs through one
// process-wide logger of its own, to stderr by default; main routes it
// with
//
//	goredis.SetLogger(redis.Logger(log))
//
// The store never calls SetLogger itself: the setting is global, and
// only main owns global settings.
type ClientLogger struct {
	log *slog.Logger
}

// Logger returns a ClientLogger that writes to l at level Warn: go-redis
// logs only what went wrong, and the store's callers see the same
// failures as errors anyway.
func Logger(l *slog.Logger) *ClientLogger { return &ClientLogger{log: l} }

// callerDepth is the number of frames between runtime.Callers in Printf
// and the go-redis code that logs: Printf itself and go-redis's
// forwarding logger (internal.Logger, an atomic wrapper).
const callerDepth = 3

// Printf implements go-redis's logging interface (redis.SetLogger's
// argument). The record's source is the go-redis line that logged, not
// this adapter, as with go-redis's default logger.
func (c *ClientLogger) Printf(ctx context.Context, format string, v ...any) {
	if ctx == nil {
		ctx = context.Background()
	}
	if !c.log.Enabled(ctx, slog.LevelWarn) {
		return
	}
	var pcs [1]uintptr
	runtime.Callers(callerDepth, pcs[:])
	r := slog.NewRecord(time.Now(), slog.LevelWarn, fmt.Sprintf(format, v...), pcs[0])
	_ = c.log.Handler().Handle(ctx, r)
}
