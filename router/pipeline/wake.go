package pipeline

import (
	"slices"
	"sync"
	"time"
)

// wakeGrain is how finely the flusher's wakes are kept: groups due
// within one grain of each other are flushed by one wake, at most a
// grain after the first of them is due.
const wakeGrain = 10 * time.Millisecond

// maxWakes bounds the wakes kept; beyond it the latest are forgotten,
// and their groups wait for the flusher's tick.
const maxWakes = 4096

// wakes are the times the flusher must look for due groups: when the
// groups this replica scheduled become due. Other replicas' groups, and
// anything a lost wake would miss, are found by the flusher's tick.
type wakes struct {
	mu sync.Mutex
	at []time.Time // ascending, distinct, whole grains
	// changed is signalled when an earlier wake is added than the
	// flusher armed its timer for.
	changed chan struct{}
}

func newWakes() *wakes { return &wakes{changed: make(chan struct{}, 1)} }

// add asks for a wake at t (rounded up to the grain).
func (w *wakes) add(t time.Time) {
	if r := t.Truncate(wakeGrain); r.Before(t) {
		t = r.Add(wakeGrain)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	i, found := slices.BinarySearchFunc(w.at, t, time.Time.Compare)
	if found || i == maxWakes {
		return
	}
	w.at = slices.Insert(w.at, i, t)
	if len(w.at) > maxWakes {
		w.at = w.at[:maxWakes]
	}
	if i == 0 {
		select {
		case w.changed <- struct{}{}:
		default:
		}
	}
}

// served forgets the wakes at or before t: a look for due groups at t
// found what they were for.
func (w *wakes) served(t time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	i, found := slices.BinarySearchFunc(w.at, t, time.Time.Compare)
	if found {
		i++
	}
	w.at = slices.Delete(w.at, 0, i)
}

// next returns the earliest wake, if any.
func (w *wakes) next() (time.Time, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.at) == 0 {
		return time.Time{}, false
	}
	return w.at[0], true
}
