package storetest

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/alertgate/alertgate/router/notify"
	"github.com/alertgate/alertgate/router/store"
)

func depth(t *testing.T, s store.Store) int64 {
	t.Helper()
	d, err := s.OutboxDepth(t.Context())
	if err != nil {
		t.Fatalf("OutboxDepth: %v", err)
	}
	return d
}

func claimOutbox(t *testing.T, s store.Store, now time.Time, consumer string, limit int) []notify.Entry {
	t.Helper()
	e, err := s.ClaimOutbox(t.Context(), now, consumer, limit, 0)
	if err != nil {
		t.Fatalf("ClaimOutbox: %v", err)
	}
	return e
}

func payloads(es []notify.Entry) []string {
	var out []string
	for _, e := range es {
		out = append(out, string(e.Payload))
	}
	return out
}

func runOutbox(t *testing.T, newStore Factory) {
	t.Run("EntriesComeOutInOrderOnce", func(t *testing.T) {
		s := newStore(t, testOptions)
		if err := s.Enqueue(t.Context(), t0, []byte("1"), []byte("2"), []byte("3")); err != nil {
			t.Fatal(err)
		}
		got := claimOutbox(t, s, t0, "a", 2)
		got = append(got, claimOutbox(t, s, t0, "b", 10)...)
		if p := payloads(got); len(p) != 3 || p[0] != "1" || p[1] != "2" || p[2] != "3" {
			t.Fatalf("claimed %v, want [1 2 3]", p)
		}
		if more := claimOutbox(t, s, t0, "c", 10); len(more) != 0 {
			t.Errorf("claimed again: %v", payloads(more))
		}
		if got[0].Enqueued.IsZero() || got[0].ID == "" {
			t.Errorf("entry = %+v, want an ID and an enqueue time", got[0])
		}
		for _, e := range got {
			if err := s.Ack(t.Context(), e.ID); err != nil {
				t.Fatal(err)
			}
		}
		if d := depth(t, s); d != 0 {
			t.Errorf("depth after acking all = %d", d)
		}
	})
	t.Run("RetryComesBackNoSoonerThanAsked", func(t *testing.T) {
		s := newStore(t, testOptions)
		_ = s.Enqueue(t.Context(), t0, []byte("x"))
		e := claimOutbox(t, s, t0, "a", 1)[0]
		if err := s.Retry(t.Context(), e, t0.Add(2*time.Second), "HTTP 429"); err != nil {
			t.Fatal(err)
		}
		if got := claimOutbox(t, s, t0.Add(2*time.Second-time.Millisecond), "a", 1); len(got) != 0 {
			t.Fatalf("retry handed out early")
		}
		got := claimOutbox(t, s, t0.Add(2*time.Second), "a", 1)
		if len(got) != 1 || got[0].Attempts != 1 || got[0].LastError != "HTTP 429" || string(got[0].Payload) != "x" {
			t.Errorf("retried entry = %+v, want attempt 1 with its last error", got)
		}
		if d := depth(t, s); d != 1 {
			t.Errorf("depth = %d, want 1 (claimed, not acked)", d)
		}
	})
	t.Run("DeadLettersAreListedNewestFirst", func(t *testing.T) {
		s := newStore(t, testOptions)
		_ = s.Enqueue(t.Context(), t0, []byte("x"), []byte("y"))
		for i, e := range claimOutbox(t, s, t0, "a", 2) {
			if err := s.DeadLetter(t.Context(), t0.Add(time.Duration(i)*time.Second), e, "HTTP 400 invalid routing key"); err != nil {
				t.Fatal(err)
			}
		}
		dl, err := s.DeadLetters(t.Context(), 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(dl) != 2 || string(dl[0].Payload) != "y" || dl[0].Reason != "HTTP 400 invalid routing key" || !dl[0].At.Equal(t0.Add(time.Second)) {
			t.Errorf("dead letters = %+v, want y then x with reason and time", dl)
		}
		if d := depth(t, s); d != 0 {
			t.Errorf("depth = %d after dead-lettering, want 0", d)
		}
	})
	t.Run("AbandonedEntryIsReclaimedByAnotherConsumer", func(t *testing.T) {
		s := newStore(t, testOptions)
		_ = s.Enqueue(t.Context(), t0, []byte("x"))
		if got := claimOutbox(t, s, t0, "dead-replica", 1); len(got) != 1 {
			t.Fatal("first claim got nothing")
		}
		if got := claimOutbox(t, s, t0, "live-replica", 1); len(got) != 0 {
			t.Fatalf("claimed entry handed out again before the reclaim timeout")
		}
		// The Redis store measures idleness with the server's clock
		// (XAUTOCLAIM), so this waits out the 20 ms reclaim timeout in
		// real time as well as advancing the fake one.
		var got []notify.Entry
		deadline := time.Now().Add(5 * time.Second)
		for len(got) == 0 && time.Now().Before(deadline) {
			got = claimOutbox(t, s, t0.Add(testOptions.ReclaimAfter), "live-replica", 1)
		}
		if len(got) != 1 || string(got[0].Payload) != "x" {
			t.Fatalf("reclaim got %v, want x", payloads(got))
		}
		if err := s.Ack(t.Context(), got[0].ID); err != nil {
			t.Fatal(err)
		}
		if d := depth(t, s); d != 0 {
			t.Errorf("depth = %d, want 0", d)
		}
	})
	t.Run("AttemptsAccumulateOverRetriesIntoTheDeadLetter", func(t *testing.T) {
		s := newStore(t, testOptions)
		_ = s.Enqueue(t.Context(), t0, []byte("x"))
		e := claimOutbox(t, s, t0, "a", 1)[0]
		for i := range 2 {
			at := t0.Add(time.Duration(i+1) * time.Second)
			if err := s.Retry(t.Context(), e, at, "HTTP 503"); err != nil {
				t.Fatal(err)
			}
			got := claimOutbox(t, s, at, "a", 1)
			if len(got) != 1 || got[0].Attempts != i+1 || !got[0].Enqueued.Equal(t0) {
				t.Fatalf("retry %d = %+v, want attempt %d, enqueued at %s", i+1, got, i+1, t0)
			}
			e = got[0]
		}
		if err := s.DeadLetter(t.Context(), t0.Add(time.Minute), e, "HTTP 400"); err != nil {
			t.Fatal(err)
		}
		dl, err := s.DeadLetters(t.Context(), 10)
		if err != nil || len(dl) != 1 || dl[0].Attempts != 3 || dl[0].LastError != "HTTP 503" || string(dl[0].Payload) != "x" {
			t.Errorf("dead letters = %+v, %v; want x after 3 attempts, last error HTTP 503", dl, err)
		}
	})
	t.Run("DeadLettersAreBounded", func(t *testing.T) {
		s := newStore(t, testOptions)
		n := notify.MaxDeadLetters + 5
		var p [][]byte
		for i := range n {
			p = append(p, []byte(strconv.Itoa(i)))
		}
		_ = s.Enqueue(t.Context(), t0, p...)
		for _, e := range claimOutbox(t, s, t0, "a", n) {
			if err := s.DeadLetter(t.Context(), t0, e, "HTTP 400"); err != nil {
				t.Fatal(err)
			}
		}
		dl, err := s.DeadLetters(t.Context(), 2*n)
		if err != nil || len(dl) != notify.MaxDeadLetters || string(dl[0].Payload) != strconv.Itoa(n-1) || string(dl[len(dl)-1].Payload) != "5" {
			t.Errorf("%d dead letters (%v), want the newest %d, %d first", len(dl), err, notify.MaxDeadLetters, n-1)
		}
	})
	t.Run("WaitingClaimReturnsWhenAnEntryArrives", func(t *testing.T) {
		s := newStore(t, testOptions)
		go func() {
			time.Sleep(50 * time.Millisecond)
			_ = s.Enqueue(context.Background(), t0, []byte("late"))
		}()
		got, err := s.ClaimOutbox(t.Context(), t0, "a", 10, 10*time.Second)
		if err != nil || len(got) != 1 || string(got[0].Payload) != "late" {
			t.Errorf("waiting claim = %v, %v; want the late entry", payloads(got), err)
		}
	})
}
