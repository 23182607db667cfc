package notify

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/alertgate/alertgate/alert"
)

func sampleNotification(members int) *Notification {
	t0 := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	n := &Notification{
		ID: "g/3/team/slack", Incident: "g", IncidentID: "INC-1", Seq: 3, Kind: KindTrigger,
		Target: Target{Type: "slack", Receiver: "team"}, Status: alert.StatusFiring, Severity: alert.SeverityCritical,
		Title: "KubePodCrashLooping on api", GroupLabels: map[string]string{"alertname": "KubePodCrashLooping"},
		Notes: []string{"a note"}, CreatedAt: t0,
		Enrichment: Enrichment{Runbook: &Runbook{ID: "crash", Title: "Crash loops", Steps: []string{"look"}}},
	}
	for i := range members {
		a := alert.Alert{Source: alert.SourceAlertmanager, Name: "KubePodCrashLooping", Status: alert.StatusFiring,
			Severity: alert.SeverityCritical, Labels: map[string]string{"pod": "api-" + string(rune('a'+i%26))},
			Annotations: map[string]string{"summary": "crash looping"}, StartsAt: t0, Fingerprint: alert.Fingerprint("fp" + string(rune('a'+i%26)))}
		n.Members = append(n.Members, Member{Alert: a, Change: "new", Flapping: i%2 == 1})
	}
	return n
}

func TestEncode_DecodesAsItsJSONDoes(t *testing.T) {
	for _, members := range []int{0, 1, 30} {
		n := sampleNotification(members)
		b, err := n.Encode()
		if err != nil {
			t.Fatal(err)
		}
		if b[0] == '{' {
			t.Fatalf("payload starts like JSON")
		}
		got, err := Decode(b)
		if err != nil {
			t.Fatalf("Decode: %v", err)
		}
		js, err := json.Marshal(n)
		if err != nil {
			t.Fatal(err)
		}
		var want Notification
		if err := json.Unmarshal(js, &want); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, &want) {
			t.Errorf("%d members: decoded\n%+v\nwant (JSON round trip)\n%+v", members, got, &want)
		}
	}
}

func TestDecode_ReadsTheJSONOfEarlierVersions(t *testing.T) {
	n := sampleNotification(3)
	js, err := json.Marshal(n)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Decode(js)
	if err != nil || got.ID != n.ID || len(got.Members) != 3 || got.Members[1].Labels["pod"] != "api-b" || !got.Members[1].Flapping {
		t.Errorf("Decode(JSON) = %+v, %v", got, err)
	}
}

func TestDecode_CutPayloadIsAnError(t *testing.T) {
	b, err := sampleNotification(2).Encode()
	if err != nil {
		t.Fatal(err)
	}
	for n := range len(b) {
		if _, err := Decode(b[:n]); err == nil {
			t.Fatalf("%d of %d bytes decoded without error", n, len(b))
		}
	}
	if _, err := Decode(append(b, 0)); err == nil {
		t.Error("a trailing byte decoded without error")
	}
}

// BenchmarkPayload encodes and decodes the first notification of a
// group of 100 alerts.
func BenchmarkPayload(b *testing.B) {
	n := sampleNotification(100)
	p, _ := n.Encode()
	js, _ := json.Marshal(n)
	b.Run("binary/encode", func(b *testing.B) {
		for b.Loop() {
			_, _ = n.Encode()
		}
	})
	b.Run("binary/decode", func(b *testing.B) {
		for b.Loop() {
			_, _ = Decode(p)
		}
	})
	b.Run("json/encode", func(b *testing.B) {
		for b.Loop() {
			_, _ = json.Marshal(n)
		}
	})
	b.Run("json/decode", func(b *testing.B) {
		for b.Loop() {
			_, _ = Decode(js)
		}
	})
}
