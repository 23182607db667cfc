package pagerduty

import (
	"testing"

	"github.com/alertgate/alertgate/router/notify"
)

// BenchmarkNotify sends triggers of a three-alert incident to the fake on
// loopback, unpaced: the notifier's own cost plus one local HTTP round
// trip.
func BenchmarkNotify(b *testing.B) {
	f := newFixture(b, func(c *Config) { c.PerKeyRate = 1e9; c.Logger = nil })
	nt := notification(notify.KindTrigger, manyMembers(3, map[string]string{"service": "api", "namespace": "prod"})...)
	b.ReportAllocs()
	for b.Loop() {
		if err := f.n.Notify(b.Context(), nt); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "notifications/s")
}

// BenchmarkEncodeStormIncident builds and encodes the event of a
// 500-alert incident, without sending it.
func BenchmarkEncodeStormIncident(b *testing.B) {
	nt := notification(notify.KindTrigger, manyMembers(500, map[string]string{"service": "api", "namespace": "prod"})...)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := encodeEvent(buildEvent(nt, keyOnCall)); err != nil {
			b.Fatal(err)
		}
	}
}
