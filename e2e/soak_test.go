//go:build soak

package e2e

import (
	"container/heap"
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alertgate/alertgate/router/notify/pagerduty/pdtest"
	"github.com/alertgate/alertgate/router/source/cloudwatch/snstest"
)

// The soak (make soak; not part of make test): two replicas on a Redis
// with append-only persistence take a mixed, realistic load from all
// three sources for SOAK_DURATION (30m by default), while Redis is killed
// and restarted once and one replica is stopped with SIGTERM and
// replaced. Every alert accepted must be paged, and every resolve
// accepted must resolve its PagerDuty incident; the surviving replica's
// RSS and goroutines must be as flat after warm-up at the end as in the
// middle. With SOAK_RESULTS=FILE the figures replace the soak section of
// that file (e2e/RESULTS.md).

// The load, on average: one new problem a second (60 % Alertmanager
// groups of 1 to 3 alerts, 20 % New Relic issues, 20 % CloudWatch
// alarms), each lasting 1 to 6 minutes. Alertmanager re-sends a firing
// group every 30 s to both replicas (an HA pair); New Relic reports
// CREATED, ACTIVATED and CLOSED; CloudWatch reports ALARM and OK, and SNS
// delivers one message in ten twice.
const (
	soakNewPerSecond  = 1.0
	soakResendEvery   = 30 * time.Second
	soakMinLifetime   = time.Minute
	soakMaxLifetime   = 6 * time.Minute
	soakPosters       = 16
	soakSampleEvery   = 30 * time.Second
	soakDefaultLength = 30 * time.Minute
)

func TestSoak_TwoReplicasOnPersistentRedisLoseNothingAndStayFlat(t *testing.T) {
	d := soakDuration(t)
	w := newWorldOn(t, startAOFRedis(t)).withSNS()
	s := setup{routes: []string{`- matchers: ['alertname=~"Soak.*"']
      receiver: page`}}
	c := &soakCluster{}
	c.add(w.start("replica-a", s))
	c.add(w.start("replica-b", s))
	a := c.live()[0]

	load := newSoakLoad(w, c, 1)
	samples := &soakSamples{}
	stopSampling := samples.run(a, soakSampleEvery)
	started := time.Now()
	done := make(chan struct{})
	go func() { load.run(d); close(done) }()

	// Faults, at fixed points of the run.
	at := func(frac float64) { time.Sleep(time.Until(started.Add(time.Duration(frac * float64(d))))) }
	at(0.27)
	w.redis.Stop() // SIGKILL
	killed := time.Now()
	time.Sleep(3 * time.Second)
	w.redis.Restart()
	outage := time.Since(killed)
	t.Logf("soak: Redis killed and restarted after %s (outage %s)", time.Since(started).Round(time.Second), outage.Round(time.Millisecond))
	at(0.53)
	b := c.remove("replica-b") // the load balancer drains it first
	stopping := time.Now()
	if code := b.terminate(); code != 0 {
		t.Errorf("replica-b exited with %d after SIGTERM, want 0", code)
	}
	t.Logf("soak: replica-b stopped with SIGTERM after %s (shutdown %s, undrained %v)", time.Since(started).Round(time.Second), time.Since(stopping).Round(time.Millisecond), undrained(b))
	at(0.57)
	b2 := w.start("replica-b2", s)
	c.add(b2)
	<-done
	stopSampling()

	// Everything accepted is delivered: the last resolves wait out a
	// group_interval, a flush Redis's death interrupted its lease.
	waitForWithin(t, 5*time.Minute, "every accepted alert paged and every accepted resolve applied", func() (bool, string) {
		lost, unresolved := load.check(w.pd)
		return len(lost) == 0 && len(unresolved) == 0, fmt.Sprintf("%d not paged %v, %d not resolved %v", len(lost), head(lost), len(unresolved), head(unresolved))
	})
	w.settle(a, b2)

	f := load.figures(w.pd)
	f.duration, f.outage = d, outage
	c.refusedMu.Lock()
	f.refused = maps.Clone(c.refused)
	c.refusedMu.Unlock()
	f.rss, f.goroutines = samples.flatness(d)
	t.Log(f.line())
	if f.lost != 0 || f.unresolved != 0 {
		t.Errorf("lost %d alerts and %d resolves", f.lost, f.unresolved)
	}
	if !f.rss.flat(0.20, 0) {
		t.Errorf("replica-a's RSS grew after warm-up: %s", f.rss)
	}
	if !f.goroutines.flat(0.20, 20) {
		t.Errorf("replica-a's goroutines grew after warm-up: %s", f.goroutines)
	}
	if path := os.Getenv("SOAK_RESULTS"); path != "" {
		if err := writeSoakSection(path, f.markdown()); err != nil {
			t.Errorf("writing %s: %v", path, err)
		}
	}
}

func soakDuration(t *testing.T) time.Duration {
	s := os.Getenv("SOAK_DURATION")
	if s == "" {
		return soakDefaultLength
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 2*time.Minute {
		t.Fatalf("SOAK_DURATION=%q: want a duration of at least 2m", s)
	}
	return d
}

// soakCluster is the replicas a load balancer sends to.
type soakCluster struct {
	mu    sync.Mutex
	gates []*gate
	next  atomic.Uint64

	refusedMu sync.Mutex
	refused   map[string]int // why attempts failed: status or error
}

func (c *soakCluster) add(g *gate) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gates = append(c.gates, g)
}

func (c *soakCluster) remove(name string) *gate {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, g := range c.gates {
		if g.name == name {
			c.gates = slices.Delete(c.gates, i, i+1)
			return g
		}
	}
	return nil
}

func (c *soakCluster) live() []*gate {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.gates)
}

// soakAttempts is how often a sender tries a request before it gives up,
// soakRetryAfter how long it waits in between: Alertmanager, SNS and New
// Relic all retry a webhook that failed or answered 429 or 5xx.
const (
	soakAttempts   = 4
	soakRetryAfter = 2 * time.Second
)

// post sends body to one replica, round-robin, and to the next when one
// fails or answers 5xx, as a load balancer retries; a sender retries the
// whole after a while. It reports whether the alerts were accepted.
func (c *soakCluster) post(source, token string, body []byte, h http.Header) bool {
	for attempt := range soakAttempts {
		if attempt > 0 {
			time.Sleep(soakRetryAfter)
		}
		gates := c.live()
		first := int(c.next.Add(1))
		for i := range gates {
			if c.postAccepted(gates[(first+i)%len(gates)], source, token, body, h) {
				return true
			}
		}
	}
	return false
}

// postAll sends body to every replica, as an Alertmanager HA pair does,
// each retrying on its own; it reports whether any accepted it.
func (c *soakCluster) postAll(source, token string, body []byte) bool {
	var wg sync.WaitGroup
	var ok atomic.Bool
	for _, g := range c.live() {
		wg.Go(func() {
			for attempt := range soakAttempts {
				if attempt > 0 {
					time.Sleep(soakRetryAfter)
				}
				if c.postAccepted(g, source, token, body, nil) {
					ok.Store(true)
					return
				}
				if g.exited() {
					return // a replica that is gone: its twin's copy counts
				}
			}
		})
	}
	wg.Wait()
	return ok.Load()
}

func (c *soakCluster) postAccepted(g *gate, source, token string, body []byte, h http.Header) bool {
	code, b, err := g.do(http.MethodPost, "/api/v1/alerts/"+source, token, body, h)
	why := ""
	switch {
	case err != nil:
		why = "transport error"
	case code != http.StatusOK:
		why = "HTTP " + strconv.Itoa(code)
	default:
		var a ingestAnswer
		if json.Unmarshal(b, &a) == nil && a.Status == "ok" {
			return true
		}
		why = "unreadable answer"
	}
	c.refusedMu.Lock()
	defer c.refusedMu.Unlock()
	if c.refused == nil {
		c.refused = map[string]int{}
	}
	c.refused[source+": "+why]++
	return false
}

// soakEpisode is one problem: it fires, is re-sent, and resolves.
type soakEpisode struct {
	name      string
	source    string
	instances int
	start     time.Time
	end       time.Time
	issue     string
	fired     atomic.Bool // a firing report was accepted
	resolved  atomic.Bool // the resolve was accepted
}

// soakEvent is one report to send at a time.
type soakEvent struct {
	at   time.Time
	ep   *soakEpisode
	kind string // fire, resend, activate, redeliver, resolve
	body []byte // for a redelivery: the very message again
	hdr  http.Header
}

type soakQueue []*soakEvent

func (q soakQueue) Len() int           { return len(q) }
func (q soakQueue) Less(i, j int) bool { return q[i].at.Before(q[j].at) }
func (q soakQueue) Swap(i, j int)      { q[i], q[j] = q[j], q[i] }
func (q *soakQueue) Push(x any)        { *q = append(*q, x.(*soakEvent)) }
func (q *soakQueue) Pop() any {
	old := *q
	e := old[len(old)-1]
	*q = old[:len(old)-1]
	return e
}

// soakLoad generates the load and remembers what was accepted.
type soakLoad struct {
	w   *world
	c   *soakCluster
	rnd *rand.Rand

	mu       sync.Mutex
	queue    soakQueue
	episodes []*soakEpisode
	requests atomic.Int64
	alerts   atomic.Int64
}

func newSoakLoad(w *world, c *soakCluster, seed uint64) *soakLoad {
	return &soakLoad{w: w, c: c, rnd: rand.New(rand.NewPCG(seed, seed))}
}

// run sends the load for d, then resolves every problem still open and
// returns once every report was sent.
func (l *soakLoad) run(d time.Duration) {
	work := make(chan *soakEvent)
	var wg sync.WaitGroup
	for range soakPosters {
		wg.Go(func() {
			for e := range work {
				l.send(e)
			}
		})
	}
	start := time.Now()
	nextNew := start
	for {
		now := time.Now()
		if now.Sub(start) < d {
			for !nextNew.After(now) {
				l.begin(nextNew)
				nextNew = nextNew.Add(time.Duration(l.rnd.ExpFloat64() / soakNewPerSecond * float64(time.Second)))
			}
		} else if l.closeAll(now) {
			break
		}
		for _, e := range l.due(now) {
			work <- e
		}
		time.Sleep(50 * time.Millisecond)
	}
	close(work)
	wg.Wait()
}

// begin starts a new problem at t and queues its reports.
func (l *soakLoad) begin(t time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := len(l.episodes)
	ep := &soakEpisode{start: t, end: t.Add(soakMinLifetime + time.Duration(l.rnd.Int64N(int64(soakMaxLifetime-soakMinLifetime))))}
	switch r := l.rnd.Float64(); {
	case r < 0.6:
		ep.source, ep.name, ep.instances = "alertmanager", fmt.Sprintf("SoakAM%05d", n), 1+l.rnd.IntN(3)
		for at := t.Add(soakResendEvery); at.Before(ep.end); at = at.Add(soakResendEvery) {
			heap.Push(&l.queue, &soakEvent{at: at, ep: ep, kind: "resend"})
		}
	case r < 0.8:
		ep.source, ep.name, ep.issue, ep.instances = "newrelic", fmt.Sprintf("SoakNR%05d", n), fmt.Sprintf("soak-issue-%05d", n), 1
		heap.Push(&l.queue, &soakEvent{at: t.Add(10 * time.Second), ep: ep, kind: "activate"})
	default:
		ep.source, ep.name, ep.instances = "cloudwatch", fmt.Sprintf("SoakCW%05d", n), 1
	}
	l.episodes = append(l.episodes, ep)
	heap.Push(&l.queue, &soakEvent{at: t, ep: ep, kind: "fire"})
	heap.Push(&l.queue, &soakEvent{at: ep.end, ep: ep, kind: "resolve"})
}

// closeAll brings every resolve forward to now; it reports whether
// nothing is left to send.
func (l *soakLoad) closeAll(now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, e := range l.queue {
		if e.at.After(now) {
			e.at = now
		}
	}
	heap.Init(&l.queue)
	return len(l.queue) == 0
}

func (l *soakLoad) due(now time.Time) []*soakEvent {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []*soakEvent
	for len(l.queue) > 0 && !l.queue[0].at.After(now) {
		out = append(out, heap.Pop(&l.queue).(*soakEvent))
	}
	return out
}

// send posts one report and records what was accepted.
func (l *soakLoad) send(e *soakEvent) {
	ep := e.ep
	l.requests.Add(1)
	var ok bool
	switch ep.source {
	case "alertmanager":
		status := "firing"
		if e.kind == "resolve" {
			status = "resolved"
		}
		var alerts []map[string]string
		for i := range ep.instances {
			alerts = append(alerts, labels("alertname", ep.name, "instance", "10.0.0."+strconv.Itoa(i+1)+":9100", "severity", "warning"))
		}
		ok = l.c.postAll("alertmanager", amToken, amBody(status, ep.start, alerts...))
	case "newrelic":
		state := map[string]string{"fire": "CREATED", "activate": "ACTIVATED", "resolve": "CLOSED"}[e.kind]
		ok = l.c.post("newrelic", nrToken, nrIssue(ep.issue, ep.name, state, ep.start, time.Now()), nil)
	case "cloudwatch":
		if e.body == nil {
			state := "ALARM"
			if e.kind == "resolve" {
				state = "OK"
			}
			m := snstest.AlarmNotification(topicARN, snstest.Alarm{Name: ep.name, State: state, Description: "severity: warning", Time: time.Now()})
			e.body, e.hdr = l.w.sns.SignedBody(m, "1"), m.Header()
			if e.kind == "fire" && l.chance(0.1) {
				l.push(&soakEvent{at: time.Now().Add(20 * time.Second), ep: ep, kind: "redeliver", body: e.body, hdr: e.hdr})
			}
		}
		ok = l.c.post("cloudwatch", "", e.body, e.hdr)
	}
	if !ok {
		return
	}
	l.alerts.Add(int64(ep.instances))
	switch e.kind {
	case "fire", "resend", "activate", "redeliver":
		ep.fired.Store(true)
	case "resolve":
		ep.resolved.Store(true)
	}
}

func (l *soakLoad) chance(p float64) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.rnd.Float64() < p
}

func (l *soakLoad) push(e *soakEvent) {
	l.mu.Lock()
	defer l.mu.Unlock()
	heap.Push(&l.queue, e)
}

// check returns the problems whose firing was accepted but never paged,
// and those whose resolve was accepted but whose PagerDuty incident is
// not resolved.
func (l *soakLoad) check(pd *pdtest.Server) (lost, unresolved []string) {
	keys := map[string][]string{}
	for _, e := range pd.Events() {
		if e.Action == "trigger" {
			for _, n := range pdAlertnames(e) {
				keys[n] = append(keys[n], e.DedupKey)
			}
		}
	}
	l.mu.Lock()
	eps := slices.Clone(l.episodes)
	l.mu.Unlock()
	for _, ep := range eps {
		if ep.fired.Load() && len(keys[ep.name]) == 0 {
			lost = append(lost, ep.name)
			continue
		}
		if !ep.resolved.Load() {
			continue
		}
		for _, k := range keys[ep.name] {
			if pd.Incident(k) != pdtest.StateResolved {
				unresolved = append(unresolved, ep.name)
				break
			}
		}
	}
	return lost, unresolved
}

// soakFigures are the soak's results.
type soakFigures struct {
	duration, outage         time.Duration
	episodes                 int
	sources                  map[string]int
	requests, alerts         int64
	fired, resolved          int
	lost, unresolved         int
	triggers, dups, resolves int
	rss, goroutines          flatness
	refused                  map[string]int
}

func (l *soakLoad) figures(pd *pdtest.Server) soakFigures {
	f := soakFigures{sources: map[string]int{}, requests: l.requests.Load(), alerts: l.alerts.Load()}
	lost, unresolved := l.check(pd)
	f.lost, f.unresolved = len(lost), len(unresolved)
	l.mu.Lock()
	for _, ep := range l.episodes {
		f.episodes++
		f.sources[ep.source]++
		if ep.fired.Load() {
			f.fired++
		}
		if ep.resolved.Load() {
			f.resolved++
		}
	}
	l.mu.Unlock()
	tr := countTriggers(pd.Events())
	f.triggers, f.dups = tr.total, tr.duplicates()
	for _, e := range pd.Events() {
		if e.Action == "resolve" {
			f.resolves++
		}
	}
	return f
}

func (f soakFigures) line() string {
	return fmt.Sprintf("E2E-SOAK duration=%s problems=%d (alertmanager %d, newrelic %d, cloudwatch %d) requests=%d alerts=%d fired=%d resolved=%d lost=%d unresolved=%d pages=%d duplicates=%d resolves=%d redis_outage=%s rss=%s goroutines=%s failed_attempts=%s",
		f.duration, f.episodes, f.sources["alertmanager"], f.sources["newrelic"], f.sources["cloudwatch"], f.requests, f.alerts,
		f.fired, f.resolved, f.lost, f.unresolved, f.triggers, f.dups, f.resolves, f.outage.Round(time.Millisecond), f.rss, f.goroutines, f.failures())
}

// failures lists the attempts that failed, by source and reason.
func (f soakFigures) failures() string {
	if len(f.refused) == 0 {
		return "none"
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(f.refused)) {
		parts = append(parts, fmt.Sprintf("%s × %d", k, f.refused[k]))
	}
	return strings.Join(parts, "; ")
}

func (f soakFigures) markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "## Soak\n\n`make soak` on %s (SOAK_DURATION %s): two replicas on a Redis with append-only persistence; "+
		"one new problem a second on average (60 %% Alertmanager groups of 1–3 alerts re-sent every 30 s to both replicas, "+
		"20 %% New Relic issues CREATED → ACTIVATED → CLOSED, 20 %% CloudWatch alarms ALARM → OK through signed SNS, one in ten delivered twice), "+
		"each lasting 1–6 minutes; Redis killed (SIGKILL) and restarted at 27 %% of the run, replica-b stopped with SIGTERM at 53 %% and replaced at 57 %%.\n\n",
		time.Now().UTC().Format("2006-01-02 15:04 MST"), f.duration)
	fmt.Fprintf(&b, "| | |\n|---|---|\n")
	fmt.Fprintf(&b, "| problems | %d (Alertmanager %d, New Relic %d, CloudWatch %d) |\n", f.episodes, f.sources["alertmanager"], f.sources["newrelic"], f.sources["cloudwatch"])
	fmt.Fprintf(&b, "| webhook requests / alerts in accepted requests | %d / %d |\n", f.requests, f.alerts)
	fmt.Fprintf(&b, "| problems fired / resolved (accepted) | %d / %d |\n", f.fired, f.resolved)
	fmt.Fprintf(&b, "| attempts that failed (the sender retries up to %d times, %s apart) | %s |\n", soakAttempts, soakRetryAfter, f.failures())
	fmt.Fprintf(&b, "| **lost**: fired but never paged / resolved but still open in PagerDuty | **%d / %d** |\n", f.lost, f.unresolved)
	fmt.Fprintf(&b, "| PagerDuty triggers / duplicates (beyond the first per incident) / resolves | %d / %d / %d |\n", f.triggers, f.dups, f.resolves)
	fmt.Fprintf(&b, "| Redis outage | %s |\n", f.outage.Round(time.Millisecond))
	fmt.Fprintf(&b, "| replica-a RSS, MiB, after warm-up: mean over 40–60 %% of the run → over 80–100 %% | %s |\n", f.rss)
	fmt.Fprintf(&b, "| replica-a goroutines, the same windows | %s |\n", f.goroutines)
	if load, err := os.ReadFile("/proc/loadavg"); err == nil {
		fmt.Fprintf(&b, "| load average at the end (1, 5, 15 min; a 2-core machine shared with other work) | %s |\n", strings.Join(strings.Fields(string(load))[:3], " "))
	}
	return b.String()
}

// soakSamples are one replica's RSS and goroutines over time.
type soakSamples struct {
	mu     sync.Mutex
	at     []time.Duration
	rss    []float64
	gorout []float64
}

// run samples g every interval until the returned function is called.
func (s *soakSamples) run(g *gate, every time.Duration) (stop func()) {
	start := time.Now()
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			rss, err1 := g.tryMetric("process_resident_memory_bytes")
			gr, err2 := g.tryMetric("go_goroutines")
			if err1 == nil && err2 == nil {
				s.mu.Lock()
				s.at, s.rss, s.gorout = append(s.at, time.Since(start)), append(s.rss, rss/(1<<20)), append(s.gorout, gr)
				s.mu.Unlock()
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	})
	return func() { close(done); wg.Wait() }
}

// flatness compares the mean of a series over the middle of the run
// (40–60 %, after the warm-up, during which the replay journal fills its
// ten minutes) with its mean over the end (80–100 %).
type flatness struct{ middle, end, max float64 }

func (f flatness) String() string {
	return fmt.Sprintf("%.1f → %.1f (max %.1f)", f.middle, f.end, f.max)
}

// flat reports whether the end is at most frac (plus slack) above the
// middle.
func (f flatness) flat(frac, slack float64) bool { return f.end <= f.middle*(1+frac)+slack }

func (s *soakSamples) flatness(d time.Duration) (rss, goroutines flatness) {
	s.mu.Lock()
	defer s.mu.Unlock()
	window := func(series []float64) flatness {
		var mid, end []float64
		var f flatness
		for i, at := range s.at {
			frac := float64(at) / float64(d)
			switch {
			case frac >= 0.4 && frac < 0.6:
				mid = append(mid, series[i])
			case frac >= 0.8:
				end = append(end, series[i])
			}
			if frac >= 0.4 {
				f.max = max(f.max, series[i])
			}
		}
		f.middle, f.end = mean(mid), mean(end)
		return f
	}
	return window(s.rss), window(s.gorout)
}

func mean(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	var sum float64
	for _, x := range v {
		sum += x
	}
	return sum / float64(len(v))
}

// writeSoakSection replaces the soak section of the results file (from
// its heading to the next one), or appends it.
func writeSoakSection(path, section string) error {
	b, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	text := string(b)
	if i := strings.Index(text, "\n## Soak\n"); i >= 0 {
		rest := text[i+1:]
		if j := strings.Index(rest[3:], "\n## "); j >= 0 {
			text = text[:i+1] + section + rest[3+j:]
		} else {
			text = text[:i+1] + section
		}
	} else {
		text = strings.TrimRight(text, "\n") + "\n\n" + section
	}
	return os.WriteFile(path, []byte(text), 0o644)
}
