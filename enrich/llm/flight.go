package llm

import "sync"

// flight is one request in progress for a cache key; everyone asking for
// the same key while it runs waits for its result instead of sending
// their own. This is golang.org/x/sync/singleflight's idea, reduced to the
// one use here.
type flight struct {
	done chan struct{}
	// out, err and fromCache are written before done is closed and read
	// only after.
	out       string
	err       error
	fromCache bool
}

// flights maps cache keys to the flight in progress for them.
type flights struct {
	mu sync.Mutex
	m  map[string]*flight
}

// join returns the flight for key, starting one if there is none; leader
// is true for the caller that must run it.
func (fs *flights) join(key string) (f *flight, leader bool) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if f, ok := fs.m[key]; ok {
		return f, false
	}
	f = &flight{done: make(chan struct{})}
	fs.m[key] = f
	return f, true
}

// release publishes the result to the flight's waiters. Callers that join
// after it still get the result, until forget.
func (fs *flights) release(f *flight, out string, err error) {
	f.out, f.err = out, err
	close(f.done)
}

// forget removes the flight, so the next caller for key starts anew.
func (fs *flights) forget(key string, f *flight) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if fs.m[key] == f {
		delete(fs.m, key)
	}
}

// finish forgets f, then releases it: whoever calls after the release
// starts a new flight.
func (fs *flights) finish(key string, f *flight, out string, err error) {
	fs.forget(key, f)
	fs.release(f, out, err)
}
