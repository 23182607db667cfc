package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// stormResult is what happened to one alert of a storm.
type stormResult struct {
	name     string
	accepted bool
	by       string
	start    time.Time // when its first post began
	err      error
}

// storm posts one firing alert per name in the background.
type storm struct {
	results  []stormResult
	answered atomic.Int64 // alerts whose posting is over, accepted or not
	finished chan struct{}
}

// startStorm posts one firing alert per name, spread round-robin over
// the replicas, with the given concurrency. A replica that cannot be
// reached or answers 5xx is skipped for the next one, as a load balancer
// retries; an alert no replica takes is not accepted.
func startStorm(names []string, gates []*gate, concurrency int, extra map[string]string) *storm {
	s := &storm{results: make([]stormResult, len(names)), finished: make(chan struct{})}
	go func() {
		defer close(s.finished)
		sem := make(chan struct{}, concurrency)
		var wg sync.WaitGroup
		for i, name := range names {
			sem <- struct{}{}
			wg.Go(func() {
				defer func() { <-sem }()
				s.results[i] = postOne(gates, i, name, extra)
				s.answered.Add(1)
			})
		}
		wg.Wait()
	}()
	return s
}

// wait returns the results once every alert has been posted.
func (s *storm) wait() []stormResult {
	<-s.finished
	return s.results
}

// postStorm is startStorm(...).wait().
func postStorm(t *testing.T, names []string, gates []*gate, concurrency int, extra map[string]string) []stormResult {
	t.Helper()
	return startStorm(names, gates, concurrency, extra).wait()
}

func postOne(gates []*gate, i int, name string, extra map[string]string) stormResult {
	ls := labels("alertname", name)
	for k, v := range extra {
		ls[k] = v
	}
	res := stormResult{name: name, start: time.Now()}
	for try := range len(gates) {
		g := gates[(i+try)%len(gates)]
		body := amBody("firing", g.now(), ls)
		code, b, err := g.do(http.MethodPost, "/api/v1/alerts/alertmanager", amToken, body, nil)
		if err == nil && code != http.StatusOK {
			err = fmt.Errorf("%s answered %d: %s", g.name, code, b)
		}
		if err != nil {
			res.err = err
			continue
		}
		var a ingestAnswer
		if err := json.Unmarshal(b, &a); err != nil {
			res.err = err
			continue
		}
		res.accepted, res.by, res.err = a.Accepted == 1, g.name, nil
		break
	}
	return res
}

// acceptedNames returns the names of the alerts some replica accepted.
func acceptedNames(results []stormResult) []string {
	var out []string
	for _, r := range results {
		if r.accepted {
			out = append(out, r.name)
		}
	}
	return out
}

// stormNames returns n alert names with the prefix.
func stormNames(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%03d", prefix, i)
	}
	return out
}

// figures are a fault-injection test's results, logged in one greppable
// line: go test -v ./e2e/... | grep E2E-FIGURES
type figures struct {
	fault      string
	accepted   int
	delivered  int
	lost       int
	duplicates int
	recover    time.Duration
	notes      string
}

func (f figures) log(t *testing.T) {
	t.Helper()
	t.Logf("E2E-FIGURES fault=%s accepted=%d delivered=%d lost=%d duplicates=%d recover=%s %s",
		f.fault, f.accepted, f.delivered, f.lost, f.duplicates, f.recover.Round(time.Millisecond), f.notes)
}
