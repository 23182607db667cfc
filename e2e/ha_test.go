package e2e

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"
)

// postBoth posts body to both replicas at once, as the two Alertmanagers
// of an HA pair do, to first a moment before second.
func postBoth(t *testing.T, first, second *gate, body []byte) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for _, g := range []*gate{first, second} {
		wg.Go(func() {
			code, b, err := g.do(http.MethodPost, "/api/v1/alerts/alertmanager", amToken, body, nil)
			if err == nil && code != http.StatusOK {
				err = fmt.Errorf("%s answered %d: %s", g.name, code, b)
			}
			if err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

func TestHAPair_EveryGroupSentTwiceIsOnePageAndOneSlackMessagePerIncident(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	a := w.start("replica-a", setup{})
	b := w.start("replica-b", setup{})
	const incidents = 6
	groups := make([][]byte, incidents)
	t0 := time.Now().Add(-time.Minute)
	for i := range groups {
		name := fmt.Sprintf("E2EHAPair%d", i)
		groups[i] = amBody("firing", t0,
			labels("alertname", name, "severity", "critical", "instance", "db-1:9100"),
			labels("alertname", name, "severity", "critical", "instance", "db-2:9100"))
	}
	// Both Alertmanagers send every group, alternating which replica they
	// reach; then both re-send everything (group_interval), as they do
	// all day.
	for round := range 2 {
		for i, body := range groups {
			first, second := a, b
			if (i+round)%2 == 1 {
				first, second = b, a
			}
			postBoth(t, first, second, body)
		}
	}
	waitFor(t, "a page and a Slack message per incident", func() (bool, string) {
		tr := countTriggers(w.pd.Events())
		msgs := w.slack.Messages("#oncall")
		return len(tr.byKey) == incidents && len(msgs) == incidents,
			fmt.Sprintf("%d incidents paged, %d Slack messages", len(tr.byKey), len(msgs))
	})
	w.settle(a, b)

	events := w.pd.Events()
	tr := countTriggers(events)
	if len(events) != incidents || tr.total != incidents || len(tr.byKey) != incidents {
		t.Errorf("PagerDuty got %d events (%d triggers, %d dedup keys), want exactly one trigger for each of %d incidents", len(events), tr.total, len(tr.byKey), incidents)
	}
	for i := range incidents {
		if n := tr.byName[fmt.Sprintf("E2EHAPair%d", i)]; n != 1 {
			t.Errorf("E2EHAPair%d paged %d times, want 1", i, n)
		}
	}
	msgs := w.slack.Messages("#oncall")
	if len(msgs) != incidents {
		t.Errorf("#oncall has %d messages, want %d", len(msgs), incidents)
	}
	for _, m := range msgs {
		if len(m.Replies) != 0 || m.Edits != 0 {
			t.Errorf("message %q has %d replies and %d edits, want none (the twins and re-sends are duplicates)", clip([]byte(m.Text)), len(m.Replies), m.Edits)
		}
	}
	if got := a.metric("alertgate_alerts_decided_total", "action", "suppress", "reason", "duplicate") + b.metric("alertgate_alerts_decided_total", "action", "suppress", "reason", "duplicate"); got != 3*2*incidents {
		t.Errorf("duplicates suppressed = %v, want %d (every alert arrived four times)", got, 3*2*incidents)
	}
}

func TestTwoReplicas_DeliverEachNotificationExactlyOnce(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	a := w.start("replica-a", setup{})
	b := w.start("replica-b", setup{})
	const alerts = 200
	names := stormNames("E2EExactlyOnce", alerts)
	start := time.Now()
	accepted := len(acceptedNames(postStorm(t, names, []*gate{a, b}, 8, pageOnly)))
	if accepted != alerts {
		t.Fatalf("%d of %d alerts accepted", accepted, alerts)
	}
	waitFor(t, "every alert paged", func() (bool, string) {
		tr := countTriggers(w.pd.Events())
		return len(tr.missing(names)) == 0, fmt.Sprintf("%d of %d paged", alerts-len(tr.missing(names)), alerts)
	})
	took := time.Since(start)
	w.settle(a, b)
	tr := countTriggers(w.pd.Events())
	t.Logf("E2E-FIGURES scenario=two-replicas accepted=%d delivered=%d lost=%d duplicates=%d took=%s sent_by_a=%v sent_by_b=%v",
		accepted, len(tr.byKey), len(tr.missing(names)), tr.duplicates(), took.Round(time.Millisecond),
		a.metric("alertgate_notifications_total", "target", "pagerduty", "result", "sent"), b.metric("alertgate_notifications_total", "target", "pagerduty", "result", "sent"))
	if tr.total != alerts || tr.duplicates() != 0 || len(tr.byKey) != alerts {
		t.Errorf("%d triggers on %d dedup keys for %d alerts, want each exactly once", tr.total, len(tr.byKey), alerts)
	}
	for n, c := range tr.byName {
		if c != 1 {
			t.Errorf("%s paged %d times", n, c)
		}
	}
}
