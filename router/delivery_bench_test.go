package router

import (
	"fmt"
	"strings"
	"testing"

	"github.com/alertgate/alertgate/router/notify/pagerduty/pdtest"
	"github.com/alertgate/alertgate/router/notify/slack/slacktest"
)

// BenchmarkDelivery_OutboxToFakes measures notifications per second from
// the outbox through the workers to PagerDuty and Slack fakes on
// loopback: each op is one incident flushed to both targets.
func BenchmarkDelivery_OutboxToFakes(b *testing.B) {
	pd := pdtest.New(b)
	sl := slacktest.New(b, slackToken, "#oncall")
	cfg := strings.Replace(interactiveConfig(pd.URL(), sl.APIURL()), "per_channel_interval: 1ms", "per_channel_interval: 1ms", 1)
	cfg = strings.Replace(cfg, "alertmanager: {token: am-token}", "alertmanager: {token: am-token, rate_limit: {requests_per_second: 0}}", 1)
	cfg = strings.Replace(cfg, `pagerduty: {url: "`+pd.URL()+`"}`, `pagerduty: {url: "`+pd.URL()+`", per_key_rate: 1000000}`, 1)
	h := newHarness(b, cfg, nil)
	t0 := jst("2026-01-13 02:10")
	h.set(t0)
	b.ResetTimer()
	for i := range b.N {
		h.post(amPath, "am-token", amAlert("firing", t0, map[string]string{"alertname": fmt.Sprintf("A%d", i), "severity": "critical"}))
		h.deliver()
	}
	b.StopTimer()
	if got := len(pd.Events()); got != b.N {
		b.Fatalf("PagerDuty got %d events for %d incidents", got, b.N)
	}
	b.ReportMetric(float64(2*b.N)/b.Elapsed().Seconds(), "notifications/s")
}
