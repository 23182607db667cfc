package storetest

import (
	"context"
	"reflect"
	"testing"

	"github.com/alertgate/alertgate/incident"
)

// RunTallies checks that CountersOf reads the named counters of a day
// as Counters has them, and leaves out those never counted.
func RunTallies(t *testing.T, newStore Factory) {
	s := newStore(t, testOptions)
	ctx := context.Background()
	d1, d2 := incident.Day(t0), incident.Day(t0.AddDate(0, 0, 1))
	for _, c := range []struct {
		day string
		add incident.Counters
	}{
		{d1, incident.Counters{"sounds:a": 2, "sounds:b": 1, "received:alertmanager": 9}},
		{d1, incident.Counters{"sounds:a": 1}},
		{d2, incident.Counters{"sounds:c": 5}},
	} {
		if err := s.Count(ctx, c.day, c.add); err != nil {
			t.Fatalf("Count: %v", err)
		}
	}
	got, err := s.CountersOf(ctx, d1, []string{"sounds:a", "sounds:c", "sounds:never"})
	if want := (incident.Counters{"sounds:a": 3}); err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("CountersOf(%s) = %v, %v; want %v", d1, got, err, want)
	}
	if got, err := s.CountersOf(ctx, "1999-01-01", []string{"sounds:a"}); err != nil || len(got) != 0 {
		t.Errorf("CountersOf of a day never counted = %v, %v; want none", got, err)
	}
}
