package storetest

import (
	"context"
	"sync"
	"testing"
	"time"
)

// runMarks checks the at-most-once markers: of many replicas marking one
// key at once exactly one succeeds, the mark holds within its TTL, and
// Unmark lets the key be marked again. (When a mark expires is the
// backend's business: Redis expires keys by its own clock, the memory
// store by the caller's; memory's tests check that.)
func runMarks(t *testing.T, newStore Factory) {
	s := newStore(t, testOptions)
	ctx := context.Background()
	const ttl = 5 * time.Minute

	var wg sync.WaitGroup
	won := make(chan bool, 16)
	for range cap(won) {
		wg.Go(func() {
			ok, err := s.Mark(ctx, t0, "slack:ack:g1", ttl)
			if err != nil {
				t.Errorf("Mark: %v", err)
			}
			won <- ok
		})
	}
	wg.Wait()
	close(won)
	n := 0
	for ok := range won {
		if ok {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d of %d concurrent Marks of one key succeeded, want exactly 1", n, cap(won))
	}
	if ok, err := s.Mark(ctx, t0.Add(ttl/2), "slack:ack:g1", ttl); ok || err != nil {
		t.Errorf("Mark within the TTL = %v, %v; want false", ok, err)
	}
	if ok, err := s.Mark(ctx, t0, "slack:ack:g2", ttl); !ok || err != nil {
		t.Errorf("Mark of another key = %v, %v; want true", ok, err)
	}
	if err := s.Unmark(ctx, "slack:ack:g1"); err != nil {
		t.Fatalf("Unmark: %v", err)
	}
	if ok, err := s.Mark(ctx, t0, "slack:ack:g1", ttl); !ok || err != nil {
		t.Errorf("Mark after Unmark = %v, %v; want true", ok, err)
	}
}
