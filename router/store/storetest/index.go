package storetest

import (
	"context"
	"reflect"
	"testing"
	"time"
)

// RunIndex checks the index of short-lived entries: an entry added under
// many keys at once is found under each of them until its time ends,
// adding it again extends its time, keys are independent, and entries
// come back the soonest to end first.
func RunIndex(t *testing.T, newStore Factory) {
	ctx := context.Background()
	indexed := func(t *testing.T, s interface {
		Indexed(context.Context, time.Time, []string) (map[string][]string, error)
	}, now time.Time, keys ...string) map[string][]string {
		t.Helper()
		got, err := s.Indexed(ctx, now, keys)
		if err != nil {
			t.Fatalf("Indexed: %v", err)
		}
		return got
	}
	t.Run("AnEntryIsUnderEachKeyUntilItsTimeEnds", func(t *testing.T) {
		s := newStore(t, testOptions)
		if err := s.Index(ctx, t0, []string{"node=n1", "cluster=c1"}, "g1 INC-1", 5*time.Minute); err != nil {
			t.Fatalf("Index: %v", err)
		}
		if err := s.Index(ctx, t0.Add(time.Minute), []string{"cluster=c1"}, "g2 INC-2", 5*time.Minute); err != nil {
			t.Fatalf("Index: %v", err)
		}
		want := map[string][]string{"node=n1": {"g1 INC-1"}, "cluster=c1": {"g1 INC-1", "g2 INC-2"}}
		if got := indexed(t, s, t0.Add(4*time.Minute), "node=n1", "cluster=c1", "node=n2"); !reflect.DeepEqual(got, want) {
			t.Errorf("Indexed within the window = %v, want %v", got, want)
		}
		want = map[string][]string{"cluster=c1": {"g2 INC-2"}}
		if got := indexed(t, s, t0.Add(5*time.Minute), "node=n1", "cluster=c1"); !reflect.DeepEqual(got, want) {
			t.Errorf("Indexed once the first entry's time ended = %v, want %v", got, want)
		}
		if got := indexed(t, s, t0.Add(6*time.Minute), "node=n1", "cluster=c1"); len(got) != 0 {
			t.Errorf("Indexed after every entry's time = %v, want none", got)
		}
	})
	t.Run("AddingAgainExtendsAndReorders", func(t *testing.T) {
		s := newStore(t, testOptions)
		for i, e := range []string{"a", "b", "a"} {
			if err := s.Index(ctx, t0.Add(time.Duration(i)*time.Minute), []string{"k"}, e, 5*time.Minute); err != nil {
				t.Fatalf("Index: %v", err)
			}
		}
		want := map[string][]string{"k": {"b", "a"}}
		if got := indexed(t, s, t0.Add(5*time.Minute+time.Second), "k"); !reflect.DeepEqual(got, want) {
			t.Errorf("Indexed = %v, want %v: a, added again, outlives b", got, want)
		}
	})
}
