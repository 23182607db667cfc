package newrelic

import "testing"

func BenchmarkParse(b *testing.B) {
	for _, name := range []string{"workflow_activated", "workflow_custom_strings", "legacy_open"} {
		b.Run(name, func(b *testing.B) {
			body := readSample(b, name)
			p := testParser()
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := p.Parse(body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
