// Package audit records who did what through the console and the
// operator API: one structured log line per action and, when configured,
// one JSON line in an append-only file.
package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"
)

// Entry is one action.
type Entry struct {
	At time.Time `json:"at"`
	// User is who acted, as authenticated: a console login, a proxy
	// user, or the name an API client gave.
	User string `json:"user"`
	// Role is the user's role (viewer, operator) or "api" for the admin
	// token.
	Role string `json:"role"`
	// Action is acknowledge, resolve, silence, expire, reload, login,
	// logout, whatif, chronic-digest.
	Action string `json:"action"`
	// Target is what the action was on: an incident or silence ID, or a
	// receiver (chronic-digest).
	Target string `json:"target,omitempty"`
	Detail string `json:"detail,omitempty"`
	// Via is the client: console, api, amtool.
	Via string `json:"via"`
	// Remote is the client's address.
	Remote string `json:"remote,omitempty"`
	// Result is ok or why the action failed.
	Result string `json:"result"`
}

// Log writes audit entries. The zero value logs nothing; use New.
type Log struct {
	logger *slog.Logger
	mu     sync.Mutex
	w      io.WriteCloser
}

// New returns a Log writing to logger and, when path is not empty,
// appending to the file at path.
func New(logger *slog.Logger, path string) (*Log, error) {
	l := &Log{logger: logger.With("component", "audit")}
	if path == "" {
		return l, nil
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	l.w = f
	return l, nil
}

// Record writes e. A failing audit file is reported in the log; the
// action itself has already happened and stays.
func (l *Log) Record(ctx context.Context, e Entry) {
	if l == nil || l.logger == nil {
		return
	}
	l.logger.LogAttrs(ctx, slog.LevelInfo, "audit",
		slog.String("user", e.User), slog.String("role", e.Role), slog.String("action", e.Action),
		slog.String("target", e.Target), slog.String("detail", e.Detail), slog.String("via", e.Via),
		slog.String("remote", e.Remote), slog.String("result", e.Result))
	if l.w == nil {
		return
	}
	b, err := json.Marshal(e)
	if err != nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, err := l.w.Write(append(b, '\n')); err != nil {
		l.logger.Error("writing the audit file failed", "err", err)
	}
}

// Close closes the audit file, if any.
func (l *Log) Close() error {
	if l == nil || l.w == nil {
		return nil
	}
	return l.w.Close()
}
