package router

import (
	"log/slog"
	"sync"
	"time"
)

// Rejected requests are logged sampled: anyone who can reach alertgate
// can send junk, and a log line per request would let them fill the
// disk. Every rejection is still counted (alertgate_requests_total).
const (
	// rejectWindow is the sampling period of rejection logs.
	rejectWindow = 10 * time.Second
	// rejectBurst is how many rejections of one kind are logged per
	// window.
	rejectBurst = 5
)

// rejectLog samples the log lines of rejected requests: per kind (a
// source and outcome, the admin API, Slack interactions; a fixed set, so
// the map stays small), the first rejectBurst per rejectWindow are
// logged, and the next one logged says how many were left out.
type rejectLog struct {
	now func() time.Time

	mu    sync.Mutex
	kinds map[string]*rejectKind
}

type rejectKind struct {
	start   time.Time
	logged  int
	dropped int
}

func newRejectLog(now func() time.Time) *rejectLog {
	return &rejectLog{now: now, kinds: map[string]*rejectKind{}}
}

// log writes msg with args at warning level unless this kind's share of
// the window is used up; a written line carries "suppressed", the count
// of lines of its kind left out since the previous one.
func (l *rejectLog) log(log *slog.Logger, kind, msg string, args ...any) {
	ok, dropped := l.allow(kind)
	if !ok {
		return
	}
	if dropped > 0 {
		args = append(args, "suppressed", dropped)
	}
	log.Warn(msg, args...)
}

// allow reports whether to log one more rejection of kind, and how many
// were left out before it.
func (l *rejectLog) allow(kind string) (ok bool, dropped int) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	k := l.kinds[kind]
	if k == nil {
		k = &rejectKind{start: now}
		l.kinds[kind] = k
	}
	if now.Sub(k.start) >= rejectWindow || now.Before(k.start) {
		k.start, k.logged = now, 0
	}
	if k.logged >= rejectBurst {
		k.dropped++
		return false, 0
	}
	k.logged++
	dropped, k.dropped = k.dropped, 0
	return true, dropped
}
