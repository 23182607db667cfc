package cloudwatch_test

import (
	"context"
	"testing"

	"github.com/alertgate/alertgate/router/source/cloudwatch/snstest"
)

// BenchmarkReceive measures one signed CloudWatch notification end to end
// with the signing certificate already cached: envelope decoding,
// signature verification and normalization.
func BenchmarkReceive(b *testing.B) {
	for _, version := range []string{"1", "2"} {
		b.Run("SignatureVersion"+version, func(b *testing.B) {
			s := snstest.New(b)
			r := newReceiver(s)
			m := load(b, "notification-alarm")
			body, h := s.SignedBody(m, version), m.Header()
			ctx := context.Background()
			if _, err := r.Receive(ctx, h, body); err != nil { // warms the cache
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := r.Receive(ctx, h, body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
