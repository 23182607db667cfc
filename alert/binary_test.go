package alert

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

func binaryCases() map[string]Alert {
	tokyo := time.FixedZone("JST", 9*60*60)
	full := Alert{
		Source: SourceAlertmanager, Name: "KubePodCrashLooping", Status: StatusResolved, Severity: SeverityCritical,
		Labels:       map[string]string{"alertname": "KubePodCrashLooping", "severity": "critical", "source": "alertmanager", "pod": "api-0", "empty": ""},
		Annotations:  map[string]string{"summary": "api-0 is crash looping", "description": "exit code 137 — OOM? 日本語も"},
		StartsAt:     time.Date(2026, 1, 5, 9, 0, 0, 123456789, tokyo),
		EndsAt:       time.Date(2026, 1, 5, 9, 30, 0, 0, time.UTC),
		GeneratorURL: "http://prometheus/graph?g0.expr=up", SourceURL: "http://alertmanager", GroupKey: `{}:{alertname="x"}`,
		Fingerprint: "abc123", SourceID: "0f1e2d", Raw: json.RawMessage(`{"status":"resolved"}`),
	}
	return map[string]Alert{
		"every field": full,
		"bare":        {Source: SourceNewRelic, Name: "n", Status: StatusFiring, Fingerprint: "f"},
		"empty maps":  {Labels: map[string]string{}, Annotations: map[string]string{}},
		"zero":        {},
	}
}

func TestBinary_RoundTripsAsJSONDoes(t *testing.T) {
	for name, a := range binaryCases() {
		t.Run(name, func(t *testing.T) {
			b, err := a.AppendBinary([]byte("prefix"))
			if err != nil {
				t.Fatal(err)
			}
			var got Alert
			if err := got.UnmarshalBinary(b[len("prefix"):]); err != nil {
				t.Fatalf("UnmarshalBinary: %v", err)
			}
			js, err := json.Marshal(a)
			if err != nil {
				t.Fatal(err)
			}
			var want Alert
			if err := json.Unmarshal(js, &want); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("binary round trip\n got %#v\nwant %#v (JSON's)", got, want)
			}
			again, err := got.AppendBinary(nil)
			if err != nil || len(again) != len(b)-len("prefix") {
				t.Errorf("re-encoding is %d bytes, %v; want %d", len(again), err, len(b)-len("prefix"))
			}
		})
	}
}

func TestBinary_IsSmallerThanJSONAndNeverStartsLikeIt(t *testing.T) {
	a := binaryCases()["every field"]
	b, err := a.AppendBinary(nil)
	if err != nil {
		t.Fatal(err)
	}
	js, _ := json.Marshal(a)
	if len(b) >= len(js) {
		t.Errorf("binary %d bytes, JSON %d", len(b), len(js))
	}
	if b[0] == '{' || b[0] == ' ' {
		t.Errorf("binary starts with %q, as JSON may", b[0])
	}
}

func TestBinary_CutOrCorruptInputIsAnError(t *testing.T) {
	a := binaryCases()["every field"]
	b, err := a.AppendBinary(nil)
	if err != nil {
		t.Fatal(err)
	}
	for n := range len(b) {
		var got Alert
		if err := got.UnmarshalBinary(b[:n]); err == nil {
			t.Fatalf("%d of %d bytes decoded without error", n, len(b))
		}
	}
	var got Alert
	if err := got.UnmarshalBinary(append(b, 0)); err == nil {
		t.Error("a trailing byte decoded without error")
	}
	if err := got.UnmarshalBinary([]byte(`{"name":"x"}`)); err == nil {
		t.Error("JSON decoded as binary without error")
	}
}

func FuzzBinary(f *testing.F) {
	for _, a := range binaryCases() {
		b, err := a.AppendBinary(nil)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte{binaryVersion, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Fuzz(func(t *testing.T, b []byte) {
		var a Alert
		if a.UnmarshalBinary(b) != nil {
			return
		}
		again, err := a.AppendBinary(nil)
		if err != nil {
			t.Fatalf("a decoded alert does not encode again: %v", err)
		}
		var b2 Alert
		if err := b2.UnmarshalBinary(again); err != nil {
			t.Fatalf("re-encoded alert does not decode: %v", err)
		}
		// A time with a fixed offset decodes with a Location of its own
		// each time: times are compared by instant and zone, the rest deeply.
		for _, p := range [][2]time.Time{{a.StartsAt, b2.StartsAt}, {a.EndsAt, b2.EndsAt}} {
			n1, o1 := p[0].Zone()
			n2, o2 := p[1].Zone()
			if !p[0].Equal(p[1]) || n1 != n2 || o1 != o2 {
				t.Fatalf("decode(encode(a)) changed a time: %v, then %v", p[0], p[1])
			}
		}
		a.StartsAt, a.EndsAt, b2.StartsAt, b2.EndsAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
		if !reflect.DeepEqual(a, b2) {
			t.Fatalf("decode(encode(a)) != a:\n%#v\n%#v", a, b2)
		}
	})
}

// BenchmarkEncoding compares the binary encoding with JSON, both ways,
// on an alert with every field set.
func BenchmarkEncoding(b *testing.B) {
	a := binaryCases()["every field"]
	bin, _ := a.AppendBinary(nil)
	js, _ := json.Marshal(a)
	b.Run("binary/encode", func(b *testing.B) {
		buf := make([]byte, 0, 1024)
		for b.Loop() {
			buf, _ = a.AppendBinary(buf[:0])
		}
	})
	b.Run("binary/decode", func(b *testing.B) {
		for b.Loop() {
			var x Alert
			_ = x.UnmarshalBinary(bin)
		}
	})
	b.Run("json/encode", func(b *testing.B) {
		for b.Loop() {
			_, _ = json.Marshal(a)
		}
	})
	b.Run("json/decode", func(b *testing.B) {
		for b.Loop() {
			var x Alert
			_ = json.Unmarshal(js, &x)
		}
	})
}
