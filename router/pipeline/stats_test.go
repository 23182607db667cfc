package pipeline

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"maps"
	"testing"
	"time"

	"github.com/alertgate/alertgate/incident"
)

// countStore is a CounterStore whose next write fails while fail is set.
type countStore struct {
	fail  bool
	saved map[string]incident.Counters
}

func (c *countStore) Count(_ context.Context, day string, add incident.Counters) error {
	if c.fail {
		return errors.New("store down")
	}
	if c.saved == nil {
		c.saved = map[string]incident.Counters{}
	}
	if c.saved[day] == nil {
		c.saved[day] = incident.Counters{}
	}
	for k, n := range add {
		c.saved[day][k] += n
	}
	return nil
}

// TestStats_KeepsWhatAFailedWriteCouldNotSave checks that the counters a
// failed write held are written with the next, added to what came since.
func TestStats_KeepsWhatAFailedWriteCouldNotSave(t *testing.T) {
	at := time.Date(2026, 1, 13, 11, 0, 0, 0, time.UTC)
	day := incident.Day(at)
	var s stats
	cs := &countStore{fail: true}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	s.add(at, "pages", 1)
	s.addDay(day, incident.Counters{"received:alertmanager": 3, "alertname:A": 3})
	s.flush(t.Context(), cs, log)
	if len(cs.saved) != 0 {
		t.Fatalf("a failed write saved %v", cs.saved)
	}
	s.add(at, "pages", 1)
	cs.fail = false
	s.flush(t.Context(), cs, log)
	want := incident.Counters{"pages": 2, "received:alertmanager": 3, "alertname:A": 3}
	if !maps.Equal(cs.saved[day], want) {
		t.Errorf("saved %v, want %v", cs.saved[day], want)
	}
	s.flush(t.Context(), cs, log)
	if !maps.Equal(cs.saved[day], want) {
		t.Errorf("a flush with nothing pending changed the counters to %v", cs.saved[day])
	}
}
