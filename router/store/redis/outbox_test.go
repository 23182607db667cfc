package redis

import (
	"testing"
	"time"

	"github.com/alertgate/alertgate/router/store/redis/redistest"
)

// TestClaimOutbox_AWaitingConsumerLooksForRetriesAtMostEveryLookEvery:
// a consumer that waits for new entries looks for due retries and
// reclaims (a round trip of its own) only when its last look is
// lookEvery old by its clock, or when the store made a retry since; it
// waits for new entries every time.
func TestClaimOutbox_AWaitingConsumerLooksForRetriesAtMostEveryLookEvery(t *testing.T) {
	srv := redistest.Start(t)
	s := newStore(t, srv, "looks:", testOptions)
	ctx := t.Context()
	const wait = time.Millisecond // XREADGROUP's shortest block
	claim := func(now time.Time) (int, uint64) {
		t.Helper()
		before := s.RoundTrips()
		got, err := s.ClaimOutbox(ctx, now, "w1", 10, wait)
		if err != nil {
			t.Fatalf("ClaimOutbox: %v", err)
		}
		return len(got), s.RoundTrips() - before
	}
	claim(t0) // creates the consumer group, loads the script
	if n, trips := claim(t0); n != 0 || trips != 1 {
		t.Errorf("claim just after an empty look: %d entries in %d round trips, want 0 in 1 (no look)", n, trips)
	}
	if n, trips := claim(t0.Add(lookEvery)); n != 0 || trips != 2 {
		t.Errorf("claim lookEvery after the last look: %d entries in %d round trips, want 0 in 2 (a look, then the wait)", n, trips)
	}

	if err := s.Enqueue(ctx, t0, []byte("n1")); err != nil {
		t.Fatal(err)
	}
	now := t0.Add(lookEvery)
	got, err := s.ClaimOutbox(ctx, now, "w1", 10, wait)
	if err != nil || len(got) != 1 {
		t.Fatalf("ClaimOutbox of a new entry = %v, %v; want it", got, err)
	}
	if err := s.Retry(ctx, got[0], now, "HTTP 503"); err != nil {
		t.Fatal(err)
	}
	if n, _ := claim(now); n != 1 {
		t.Errorf("claim just after a retry due now: %d entries, want the retry", n)
	}
}
