package llm

import (
	"testing"
)

// BenchmarkSummarizeCacheHit measures the enrichment overhead of an
// incident that was summarized before: key derivation and a lookup in the
// memory store. The caller's target is under 50 µs.
func BenchmarkSummarizeCacheHit(b *testing.B) {
	api := newFakeAPI(b, answer(cannedAnswer))
	s, _ := newTestSummarizer(b, testConfig(api))
	n := testNotification("5xx ratio is 12.3% on api (threshold 5%)")
	ctx := b.Context()
	if _, err := s.Summarize(ctx, n, History{}); err != nil {
		b.Fatal(err)
	}
	mustBeCached(b, s, n)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Summarize(ctx, n, History{}); err != nil {
			b.Fatal(err)
		}
	}
	if calls, _, _ := s.Stats(); calls != 1 {
		b.Fatalf("calls = %d, want 1", calls)
	}
}
