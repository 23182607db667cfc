package redis

import (
	"testing"

	"github.com/alertgate/alertgate/router/store/redis/redistest"
)

func TestEpoch_StableUntilRedisForgetsEverything(t *testing.T) {
	srv := redistest.Start(t)
	a, b := newStore(t, srv, "epoch:", testOptions), newStore(t, srv, "epoch:", testOptions)
	e1, err := a.Epoch(t.Context())
	if err != nil || e1 == "" {
		t.Fatalf("Epoch = %q, %v", e1, err)
	}
	if e2, _ := b.Epoch(t.Context()); e2 != e1 {
		t.Errorf("two replicas see epochs %q and %q, want one", e1, e2)
	}
	if err := a.client.FlushAll(t.Context()).Err(); err != nil {
		t.Fatal(err)
	}
	e3, _ := b.Epoch(t.Context())
	if e3 == "" || e3 == e1 {
		t.Errorf("after Redis lost its data the epoch is still %q", e3)
	}
	if e4, _ := a.Epoch(t.Context()); e4 != e3 {
		t.Errorf("replicas disagree after the loss: %q vs %q", e4, e3)
	}
}
