package e2e

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// pageOnly routes storm alerts to PagerDuty only.
var pageOnly = labels("e2e_to", "pagerduty", "severity", "warning")

func TestFault_RedisKilledMidStormLosesNoAcceptedAlert(t *testing.T) {
	t.Parallel()
	// As deploy/compose runs it: what Redis acknowledged survives kill -9,
	// so every accepted alert must arrive.
	t.Run("append-only Redis", func(t *testing.T) {
		t.Parallel()
		w := newWorldOn(t, startAOFRedis(t))
		redisKillStorm(t, w, "redis-kill-aof", false)
	})
	// Redis without persistence comes back empty: the groups and outbox
	// entries it held are gone. Each replica notices the new epoch and
	// ingests again what it accepted recently, so nothing accepted is
	// lost either; some alerts page twice.
	t.Run("Redis without persistence", func(t *testing.T) {
		t.Parallel()
		redisKillStorm(t, newWorld(t), "redis-kill-volatile", true)
	})
}

// redisKillStorm posts a storm of alerts, half to each of two replicas,
// kills Redis with SIGKILL a third of the way through and starts it
// again at two thirds. It checks that every accepted alert was paged,
// that each replica noticed a lost state exactly when stateLost says
// Redis came back empty, that duplicates happened only to alerts that
// arrived before the restart, and that deduplication works again, and
// logs the figures.
func redisKillStorm(t *testing.T, w *world, fault string, stateLost bool) {
	a := w.start("replica-a", setup{})
	b := w.start("replica-b", setup{})
	gates := []*gate{a, b}
	names := stormNames("E2ERedisKill", 240)
	s := startStorm(names, gates, 4, pageOnly)

	waitFor(t, "a third of the storm", func() (bool, string) {
		return s.answered.Load() >= 80, fmt.Sprint(s.answered.Load(), " posted")
	})
	w.redis.Stop() // SIGKILL
	killed := time.Now()
	waitFor(t, "two thirds of the storm", func() (bool, string) {
		return s.answered.Load() >= 160, fmt.Sprint(s.answered.Load(), " posted")
	})
	w.redis.Restart()
	restarted := time.Now()
	results := s.wait()
	accepted := acceptedNames(results)
	startedAt := map[string]time.Time{}
	for _, r := range results {
		startedAt[r.name] = r.start
	}

	if stateLost {
		// The epoch check runs every 5 s on each replica.
		for _, g := range gates {
			waitFor(t, g.name+" to notice Redis lost its state", func() (bool, string) {
				v, err := g.tryMetric("alertgate_store_state_lost_total")
				return err == nil && v >= 1, fmt.Sprint(v, err)
			})
		}
	}
	// A group whose flush Redis's death interrupted stays leased for the
	// lease's 30 s; allow for it.
	waitForWithin(t, 2*waitTimeout, "the accepted alerts paged", func() (bool, string) {
		missing := countTriggers(w.pd.Events()).missing(accepted)
		return len(missing) == 0, fmt.Sprintf("%d of %d not paged: %v", len(missing), len(accepted), head(missing))
	})
	recovered := time.Since(restarted)
	for _, g := range gates {
		waitFor(t, g.name+" to reach Redis again", func() (bool, string) {
			code, body, err := g.do(http.MethodGet, "/-/ready", "", nil, nil)
			return err == nil && code == http.StatusOK && strings.Contains(string(body), `"ready"`), string(body)
		})
	}
	w.settle(a, b)

	tr := countTriggers(w.pd.Events())
	degraded := a.metric("alertgate_degraded_alerts_total") + b.metric("alertgate_degraded_alerts_total")
	lostState := a.metric("alertgate_store_state_lost_total") + b.metric("alertgate_store_state_lost_total")
	figures{fault: fault, accepted: len(accepted), delivered: len(accepted) - len(tr.missing(accepted)),
		lost: len(tr.missing(accepted)), duplicates: tr.total - len(tr.byName), recover: recovered,
		notes: fmt.Sprintf("outage=%s degraded=%v state_lost=%v not_accepted=%d", restarted.Sub(killed).Round(time.Millisecond), degraded, lostState, len(names)-len(accepted))}.log(t)
	if !stateLost && lostState != 0 {
		t.Errorf("alertgate_store_state_lost_total = %v after a restart of an append-only Redis, want 0", lostState)
	}
	// Duplicates are the price of failing open and of re-ingesting: only
	// alerts that arrived before Redis came back, or that a replica
	// delivered without it while it reconnected, may have them (an alert
	// delivered without the store is told to it afterwards, so that its
	// resolve resolves its page, and notifies again then).
	degradedNames := map[string]bool{}
	for _, g := range gates {
		for _, rec := range g.logRecords("alert decided") {
			if rec["reason"] == "degraded" {
				degradedNames[rec["alertname"].(string)] = true
			}
		}
	}
	for n, c := range tr.byName {
		if c > 1 && startedAt[n].After(restarted) && !degradedNames[n] {
			t.Errorf("%s, posted after Redis came back and decided by it, was paged %d times", n, c)
		}
	}
	// Deduplication works again: an HA twin pair after the restart pages
	// once.
	twin := amBody("firing", a.now(), labels("alertname", "E2EAfterRestart", "e2e_to", "pagerduty", "severity", "warning"))
	postBoth(t, a, b, twin)
	w.settle(a, b)
	if n := countTriggers(w.pd.Events()).byName["E2EAfterRestart"]; n != 1 {
		t.Errorf("an HA twin after the restart paged %d times, want 1", n)
	}
}

func TestFault_PagerDutyFailingFor30sDeliversEverythingAfterwards(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	const maxBackoff = 4 * time.Second
	g := w.start("alertgate", setup{outbox: "min_backoff: 500ms, max_backoff: " + maxBackoff.String() + ", reclaim_after: 2s"})
	w.pd.FailNext(1<<30, http.StatusInternalServerError, "")
	names := stormNames("E2EPagerDuty500x", 60)
	accepted := acceptedNames(postStorm(t, names, []*gate{g}, 8, pageOnly))

	// 30 s of PagerDuty outage on alertgate's clock, which retries and
	// backoff follow, played at 20x.
	outage := g.now()
	stop := timeLapse(g, time.Second, 50*time.Millisecond)
	defer stop()
	waitFor(t, "30 s of outage", func() (bool, string) {
		return g.now().Sub(outage) >= 30*time.Second, g.now().Sub(outage).String()
	})
	stop() // from here on, real time
	failed := w.pd.Requests()
	w.pd.FailNext(0, 0, "")
	up := time.Now()
	waitFor(t, "every alert paged", func() (bool, string) {
		missing := countTriggers(w.pd.Events()).missing(accepted)
		return len(missing) == 0, fmt.Sprintf("%d of %d not paged", len(missing), len(accepted))
	})
	recovered := time.Since(up)
	w.settle(g)

	tr := countTriggers(w.pd.Events())
	var dead []any
	g.admin(http.MethodGet, "/api/v1/deadletters", nil, http.StatusOK, &dead)
	figures{fault: "pagerduty-500-30s", accepted: len(accepted), delivered: len(accepted) - len(tr.missing(accepted)),
		lost: len(tr.missing(accepted)), duplicates: tr.duplicates(), recover: recovered,
		notes: fmt.Sprintf("failed_requests=%d retried=%v dead_letters=%d", failed,
			g.metric("alertgate_notifications_total", "target", "pagerduty", "result", "retried"), len(dead))}.log(t)
	if len(tr.missing(accepted)) != 0 || tr.duplicates() != 0 || len(dead) != 0 {
		t.Errorf("missing %v, %d duplicates, %d dead letters; want every alert paged once", tr.missing(accepted), tr.duplicates(), len(dead))
	}
	if failed < len(accepted) {
		t.Errorf("PagerDuty saw %d requests during the outage, want at least one per alert", failed)
	}
	// How soon after the recovery everything went out is a figure: that
	// no retry waits longer than max_backoff is asserted on a fake clock
	// (router/notify TestWorker_BackoffNeverExceedsMaxBackoff).
}

func TestFault_SlackRateLimitStormDeliversEveryMessage(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	g := w.start("alertgate", setup{})
	const limited = 100
	w.slack.FailNext(limited, http.StatusTooManyRequests, "1")
	names := stormNames("E2ESlack429x", 40)
	start := time.Now()
	accepted := acceptedNames(postStorm(t, names, []*gate{g}, 8, labels("e2e_to", "slack", "severity", "warning")))
	name := regexp.MustCompile(`E2ESlack429x\d{3}`)
	posted := func() map[string]int {
		out := map[string]int{}
		for _, m := range w.slack.Messages("#team") {
			found := name.FindAllString(strings.Join(m.Strings(), " "), -1)
			slices.Sort(found)
			for _, n := range slices.Compact(found) {
				out[n]++
			}
		}
		return out
	}
	waitFor(t, "every alert in Slack", func() (bool, string) {
		got := posted()
		return len(got) == len(accepted), fmt.Sprintf("%d of %d posted", len(got), len(accepted))
	})
	took := time.Since(start)
	w.settle(g)

	got := posted()
	var lost []string
	dups := 0
	for _, n := range accepted {
		switch c := got[n]; {
		case c == 0:
			lost = append(lost, n)
		case c > 1:
			dups += c - 1
		}
	}
	rateLimited := 0
	for _, c := range w.slack.Calls() {
		if c.Status == http.StatusTooManyRequests {
			rateLimited++
		}
	}
	figures{fault: "slack-429-storm", accepted: len(accepted), delivered: len(got), lost: len(lost), duplicates: dups, recover: took,
		notes: fmt.Sprintf("answered_429=%d retried=%v", rateLimited, g.metric("alertgate_notifications_total", "target", "slack", "result", "retried"))}.log(t)
	if len(lost) != 0 || dups != 0 || len(w.slack.Messages("#team")) != len(accepted) {
		t.Errorf("lost %v, %d duplicates, %d messages for %d alerts", lost, dups, len(w.slack.Messages("#team")), len(accepted))
	}
	if rateLimited != limited {
		t.Errorf("Slack answered 429 %d times, want all %d injected", rateLimited, limited)
	}
}

func TestFault_SIGTERMToOneReplicaMidStormTheOtherDeliversEverything(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	// PagerDuty answering slowly keeps deliveries in flight when the
	// replica stops, and a short shutdown grace leaves some of its work
	// undelivered, for the other replica to reclaim. The lease is far
	// longer than a delivery (100 ms): the promise tested is that a
	// SIGTERM duplicates nothing; a lease shorter than what a loaded
	// machine takes to deliver would duplicate without any SIGTERM (at
	// 2 s, a run beside a CPU burner paged 18 alerts twice).
	s := setup{pdURL: slowAnswers(t, w.pd.URL(), 100*time.Millisecond), shutdown: "2s",
		outbox: "min_backoff: 1s, max_backoff: 8s, reclaim_after: 10s"}
	a := w.start("replica-a", s)
	b := w.start("replica-b", s)
	names := stormNames("E2ESIGTERM", 200)
	st := startStorm(names, []*gate{a, b}, 8, pageOnly)
	waitFor(t, "a third of the storm", func() (bool, string) {
		return st.answered.Load() >= 70, fmt.Sprint(st.answered.Load(), " posted")
	})
	stopped := time.Now()
	if code := b.terminate(); code != 0 {
		t.Errorf("replica-b exited with %d after SIGTERM, want 0", code)
	}
	exited := time.Since(stopped)
	results := st.wait()
	accepted := acceptedNames(results)
	// A group whose flush the SIGTERM interrupted stays leased for the
	// lease's 30 s; allow for it.
	waitForWithin(t, 2*waitTimeout, "every accepted alert paged", func() (bool, string) {
		missing := countTriggers(w.pd.Events()).missing(accepted)
		return len(missing) == 0, fmt.Sprintf("%d of %d not paged: %v", len(missing), len(accepted), head(missing))
	})
	recovered := time.Since(stopped)
	w.settle(a)

	tr := countTriggers(w.pd.Events())
	byB := 0
	for _, r := range results {
		if r.by == "replica-b" {
			byB++
		}
	}
	figures{fault: "sigterm-one-replica", accepted: len(accepted), delivered: len(accepted) - len(tr.missing(accepted)),
		lost: len(tr.missing(accepted)), duplicates: tr.duplicates(), recover: recovered,
		notes: fmt.Sprintf("accepted_by_stopped=%d shutdown=%s undrained=%v", byB, exited.Round(time.Millisecond), undrained(b))}.log(t)
	if len(tr.missing(accepted)) != 0 || tr.duplicates() != 0 {
		t.Errorf("missing %v, duplicates %v; want every alert paged exactly once", tr.missing(accepted), tr.duplicated())
	}
}

// undrained tells whether a stopped replica said it left notifications
// in the store for another to deliver.
func undrained(g *gate) bool {
	return len(g.logRecords("shutdown grace expired before the outbox drained; undelivered entries stay in the store")) > 0
}

func TestFault_HangingLLMStillDeliversWithTheFallbackSummaryInTime(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	llm := newLLMFake(t)
	const timeout = 2 * time.Second
	g := w.start("alertgate", setup{llm: llm.setup(timeout.String())})

	// While the LLM answers, pages carry its summary.
	g.ingest("alertmanager", amToken, amBody("firing", g.now(), labels("alertname", "E2ELLMAnswers", "e2e_to", "pagerduty", "severity", "critical")), nil)
	waitFor(t, "the page with the LLM's summary", func() (bool, string) {
		return len(w.pd.Events()) == 1, "not yet"
	})
	if src := w.pd.Events()[0].Payload.CustomDetails["summary_source"]; src != "llm" {
		t.Fatalf("summary_source %v while the LLM answers, want llm", src)
	}

	llm.hang.Store(true)
	names := stormNames("E2ELLMHangs", 5)
	posted := map[string]time.Time{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, n := range names {
		wg.Go(func() {
			mu.Lock()
			posted[n] = time.Now()
			mu.Unlock()
			code, b, err := g.do(http.MethodPost, "/api/v1/alerts/alertmanager", amToken,
				amBody("firing", g.now(), labels("alertname", n, "severity", "critical")), nil)
			if err != nil || code != http.StatusOK {
				t.Errorf("posting %s: %v %d %s", n, err, code, b)
			}
		})
	}
	wg.Wait()
	seen := map[string]time.Duration{}
	waitFor(t, "every page", func() (bool, string) {
		for _, e := range w.pd.Events() {
			for _, n := range pdAlertnames(e) {
				if _, ok := seen[n]; !ok && strings.HasPrefix(n, "E2ELLMHangs") {
					seen[n] = time.Since(posted[n])
				}
			}
		}
		return len(seen) == len(names), fmt.Sprintf("%d of %d paged", len(seen), len(names))
	})
	w.settle(g)

	var worst time.Duration
	for _, d := range seen {
		worst = max(worst, d)
	}
	figures{fault: "llm-hang", accepted: len(names), delivered: len(seen), lost: len(names) - len(seen), recover: worst,
		notes: fmt.Sprintf("llm_timeout=%s llm_requests=%d latencies=%v", timeout, llm.calls.Load(), sortedDurations(seen))}.log(t)
	for _, e := range w.pd.Events()[1:] {
		if src := e.Payload.CustomDetails["summary_source"]; src != "fallback" {
			t.Errorf("page %v has summary_source %v, want fallback", pdAlertnames(e), src)
		}
	}
	for _, m := range w.slack.Messages("#oncall") {
		if text := slackText(m); strings.Contains(text, "E2ELLMHangs") && !strings.Contains(text, "Fallback summary") {
			t.Errorf("Slack message without the fallback summary: %s", text)
		}
	}
	// How long each page took is a figure, not an assertion: a page
	// waits llm.timeout in its own flush pass, plus the passes ahead of
	// it that were waiting on the hanging LLM too, and under load the
	// alerts spread over more passes. That no single wait exceeds the
	// timeout is asserted on a fake clock in package enrich.
	if n := llm.calls.Load(); n > int64(len(names))+1 {
		t.Errorf("%d LLM requests for %d incidents: a hanging LLM was asked again instead of falling back", n, len(names)+1)
	}
}

func sortedDurations(m map[string]time.Duration) []string {
	var ds []time.Duration
	for _, d := range m {
		ds = append(ds, d)
	}
	slices.Sort(ds)
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.Round(10 * time.Millisecond).String()
	}
	return out
}

// head returns the first few of a list, for messages.
func head(s []string) []string {
	if len(s) > 5 {
		return s[:5]
	}
	return s
}
