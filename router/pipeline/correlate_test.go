package pipeline

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/alertgate/alertgate/alert"
)

// correlationConfig knows the api (which depends on aurora-main) and
// aurora-main in its catalog, and correlates alerts of other teams by
// their `team` label.
const correlationConfig = testSources + `
receivers:
  - name: team
    slack: {channel: "#team"}
services:
  - name: api
    depends_on: [aurora-main]
    match: [['namespace="web"', 'app="api"']]
  - name: aurora-main
    match: [['DBClusterIdentifier="web-prod-aurora"']]
correlation: {enabled: true, window: 5m, labels: [team]}
route:
  receiver: team
  group_by: [alertname]
  group_wait: 0s
  group_interval: 5m
`

// incidents returns the distinct incidents notified, in order.
func (h *harness) incidents() []string {
	var out []string
	for _, n := range h.delivered() {
		if !slices.Contains(out, n.IncidentID) {
			out = append(out, n.IncidentID)
		}
	}
	return out
}

func TestCorrelate_ServiceLabelAloneNeverCorrelates(t *testing.T) {
	h := newRehearsal(t, correlationConfig, nil)
	// kube-prometheus puts the scrape target's Service in `service`:
	// two unrelated node-exporter alerts must stay apart.
	h.ingest(
		h.alert(alert.StatusFiring, map[string]string{"alertname": "NodeCPUHighUsage", "severity": "info", "service": "node-exporter", "instance": "a:9100"}),
		h.alert(alert.StatusFiring, map[string]string{"alertname": "NodeFilesystemAlmostOutOfSpace", "severity": "warning", "service": "node-exporter", "instance": "b:9100"}),
	)
	h.step()
	if got := h.incidents(); len(got) != 2 {
		t.Fatalf("incidents %v, want one per alert name", got)
	}
}

func TestCorrelate_CorrelationLabelJoinsAlertsOfOneService(t *testing.T) {
	h := newRehearsal(t, correlationConfig, nil)
	h.ingest(
		h.alert(alert.StatusFiring, map[string]string{"alertname": "QueueBacklog", "severity": "warning", "team": "billing"}),
		h.alert(alert.StatusFiring, map[string]string{"alertname": "InvoiceErrors", "severity": "warning", "team": "billing"}),
	)
	h.step()
	got := h.delivered()
	if len(h.incidents()) != 1 || len(got[0].Members) != 2 {
		t.Fatalf("incidents %v, want one of both alerts", h.incidents())
	}
	why := got[0].Members[0].Annotations[correlationAnnotation]
	if !strings.Contains(why, "by correlation label team") {
		t.Errorf("the alert says it joined because %q, want the rule named", why)
	}
}

// TestCorrelate_EffectJoinsItsCausesIncident: the database's alert comes
// first, the api that depends on it slows down minutes later: one
// incident, and the api alert says why it is in it.
func TestCorrelate_EffectJoinsItsCausesIncident(t *testing.T) {
	h := newRehearsal(t, correlationConfig, nil)
	h.ingest(h.alert(alert.StatusFiring, map[string]string{"alertname": "AuroraReplicaLag", "severity": "critical", "DBClusterIdentifier": "web-prod-aurora"}))
	h.step()
	h.advance(3 * time.Minute)
	h.ingest(h.alert(alert.StatusFiring, map[string]string{"alertname": "APILatencyHigh", "severity": "warning", "namespace": "web", "app": "api"}))
	h.advance(5 * time.Minute)
	h.step()
	if got := h.incidents(); len(got) != 1 {
		t.Fatalf("incidents %v, want the database's only", got)
	}
	var why string
	for _, n := range h.delivered() {
		for _, m := range n.Members {
			if m.Name == "APILatencyHigh" {
				why = m.Annotations[correlationAnnotation]
			}
		}
	}
	if !strings.Contains(why, "effect of aurora-main") || !strings.Contains(why, `services[api].match[0]`) {
		t.Errorf("the api alert joined because %q, want the dependency and the catalog rule", why)
	}
}
