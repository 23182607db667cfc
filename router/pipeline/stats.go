package pipeline

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/alertgate/alertgate/incident"
)

// CounterStore keeps the daily counters of the noise report.
type CounterStore interface {
	Count(ctx context.Context, day string, add incident.Counters) error
}

// stats aggregates the noise report's counters in memory and writes them
// to the store every few seconds, so counting costs the hot path no round
// trip. A replica that dies loses at most one interval of counts; the
// report is about trends, not single alerts.
type stats struct {
	mu      sync.Mutex
	pending map[string]incident.Counters
}

func (s *stats) add(at time.Time, key string, n int64) {
	s.addDay(incident.Day(at), incident.Counters{key: n})
}

// addDay adds counts to day's.
func (s *stats) addDay(day string, counts incident.Counters) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pending == nil {
		s.pending = map[string]incident.Counters{}
	}
	c := s.pending[day]
	if c == nil {
		c = incident.Counters{}
		s.pending[day] = c
	}
	for k, n := range counts {
		c[k] += n
	}
}

// flush writes the pending counts; on failure they are kept for the next
// attempt.
func (s *stats) flush(ctx context.Context, cs CounterStore, log *slog.Logger) {
	s.mu.Lock()
	pending := s.pending
	s.pending = nil
	s.mu.Unlock()
	for day, c := range pending {
		if err := cs.Count(ctx, day, c); err != nil {
			log.Warn("writing report counters failed; keeping them for the next attempt", "err", err)
			s.addDay(day, c)
		}
	}
}

// run flushes the counters every interval until ctx ends, then once more.
func (s *stats) run(ctx context.Context, cs CounterStore, log *slog.Logger, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			s.flush(context.WithoutCancel(ctx), cs, log)
			return
		case <-t.C:
			s.flush(ctx, cs, log)
		}
	}
}
