package slack

import (
	"testing"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/router/notify"
)

// BenchmarkMessageBlocks measures rendering alone, for a ten-member
// incident.
func BenchmarkMessageBlocks(b *testing.B) {
	t0 := time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)
	nt := &notify.Notification{
		Incident: "inc-1", Kind: notify.KindTrigger, Status: alert.StatusFiring, Severity: alert.SeverityCritical,
		Title: "HighErrorRate on api", GroupLabels: map[string]string{"service": "api"},
		Enrichment: notify.Enrichment{Summary: "The api returns 5xx <!here>", SummarySource: "llm", OnCall: "Hanako",
			Runbook: &notify.Runbook{Title: "API 5xx", URL: "https://runbooks.example.com/api", Steps: []string{"a", "b", "c", "d"}}},
		CreatedAt: t0.Add(time.Hour),
	}
	for i := range 10 {
		nt.Members = append(nt.Members, notify.Member{Alert: alert.Alert{
			Name: "HighErrorRate", Status: alert.StatusFiring, Severity: alert.SeverityCritical, StartsAt: t0,
			Labels:       map[string]string{"service": "api", "instance": string(rune('a' + i))},
			GeneratorURL: "https://prometheus.example.com/graph?g0.expr=up&g0.tab=1",
		}})
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = messageBlocks(nt, true, "")
		_ = fallbackText(nt)
	}
}
