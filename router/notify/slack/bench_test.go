package slack_test

import (
	"context"
	"testing"

	"github.com/alertgate/alertgate/router/notify"
)

// BenchmarkNotify measures a trigger end to end: blocks, the Web API
// call over loopback to the fake (which decodes and validates them), and
// the thread write to the memory store.
func BenchmarkNotify(b *testing.B) {
	f := newFixture(b)
	members := []notify.Member{member(1, "new"), member(2, "new"), member(3, "new")}
	ctx := context.Background()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		nt := incident(notify.KindTrigger, int64(i+1), members...)
		if err := f.n.Notify(ctx, nt); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNotify_Update measures the common follow-up: chat.update of
// the message and a threaded reply.
func BenchmarkNotify_Update(b *testing.B) {
	f := newFixture(b)
	members := []notify.Member{member(1, ""), member(2, ""), member(3, "new")}
	ctx := context.Background()
	if err := f.n.Notify(ctx, incident(notify.KindTrigger, 1, members[:2]...)); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if err := f.n.Notify(ctx, incident(notify.KindUpdate, int64(i+2), members...)); err != nil {
			b.Fatal(err)
		}
	}
}
