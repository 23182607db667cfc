package redis

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alertgate/alertgate/incident"
	"github.com/alertgate/alertgate/router/store"
	"github.com/alertgate/alertgate/router/store/redis/redistest"
)

// TestCluster_StormSurvivesAFailoverAndSpreadsOverTheShards runs a storm
// against a real Redis Cluster of 3 masters with a replica each and
// kills a master a third of the way in. Senders retry what was not
// accepted (as Alertmanager retries a failed webhook); once a replica has
// taken over, every accepted alert is in a flushed notification — none
// lost — and keys and commands are spread evenly over the masters.
func TestCluster_StormSurvivesAFailoverAndSpreadsOverTheShards(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a six-node Redis Cluster")
	}
	cluster := redistest.StartCluster(t, 3, 1)
	opts := testOptions
	opts.Partitions = 16
	s := New(cluster.Client(), "cluster:", opts)
	ctx := t.Context()

	const alerts, groups, senders, batch = 3000, 600, 12, 10
	group := func(i int) incident.GroupRef {
		g := team
		g.Key = fmt.Sprintf("g-%03d", i%groups)
		g.Labels = map[string]string{"service": g.Key}
		return g
	}
	var accepted, retries atomic.Int64
	killed := make(chan struct{})
	var once sync.Once
	var wg sync.WaitGroup
	for w := range senders {
		wg.Go(func() {
			for first := w * batch; first < alerts; first += senders * batch {
				obs := make([]store.Observation, 0, batch)
				for i := first; i < min(first+batch, alerts); i++ {
					obs = append(obs, firing(fmt.Sprintf("storm-%04d", i), group(i)))
				}
				// A sender retries until the cluster takes the batch, as
				// Alertmanager does; the test's own deadline bounds it.
				for {
					_, err := s.Observe(ctx, t0, obs)
					if err == nil {
						break
					}
					if ctx.Err() != nil {
						t.Errorf("batch at %d never accepted: %v", first, err)
						return
					}
					retries.Add(1)
					time.Sleep(50 * time.Millisecond) // a sender's retry back-off
				}
				if accepted.Add(int64(len(obs))) >= alerts/3 {
					once.Do(func() {
						victim := cluster.Masters()[0]
						t.Logf("killing master %s with %d alerts accepted", victim, accepted.Load())
						cluster.Kill(victim)
						close(killed)
					})
				}
			}
		})
	}
	wg.Wait()
	<-killed
	cluster.WaitHealthy(3, 5*time.Minute)
	t.Logf("%d alerts accepted, %d batches retried during the failover", accepted.Load(), retries.Load())

	// Flush every group after its group_wait, writing the members each
	// notification carries as its payload, then read the outbox.
	now := t0.Add(time.Hour)
	for {
		due, err := s.ClaimGroups(ctx, now, 64)
		if err != nil {
			t.Fatal(err)
		}
		if len(due) == 0 {
			break
		}
		for _, f := range due {
			fps := make([]string, len(f.Members))
			for i, m := range f.Members {
				fps[i] = string(m.Alert.Fingerprint)
			}
			if err := s.CompleteFlush(ctx, now, f, [][]byte{[]byte(strings.Join(fps, ","))}); err != nil {
				t.Fatal(err)
			}
		}
	}
	notified := map[string]bool{}
	for {
		es, err := s.ClaimOutbox(ctx, now, "test", 100, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(es) == 0 {
			break
		}
		for _, e := range es {
			for _, fp := range strings.Split(string(e.Payload), ",") {
				notified[fp] = true
			}
			if err := s.Ack(ctx, e.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	lost := 0
	for i := range alerts {
		if !notified[fmt.Sprintf("storm-%04d", i)] {
			lost++
		}
	}
	if lost > 0 {
		t.Errorf("%d of %d accepted alerts reached no notification", lost, alerts)
	}

	var keys, cmds int64
	stats := cluster.Stats()
	for _, st := range stats {
		keys += st.Keys
		cmds += st.Commands
	}
	for _, st := range stats {
		t.Logf("master %s: %d keys (%.0f %%), %d commands since it became master or started (%.0f %%)",
			st.Addr, st.Keys, 100*float64(st.Keys)/float64(keys), st.Commands, 100*float64(st.Commands)/float64(cmds))
		if share := float64(st.Keys) / float64(keys); share < 0.2 || share > 0.5 {
			t.Errorf("master %s holds %.0f %% of the keys; want an even spread (about a third)", st.Addr, 100*share)
		}
	}
}
