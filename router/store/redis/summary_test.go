package redis

import (
	"slices"
	"testing"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/incident"
	"github.com/alertgate/alertgate/router/store"
	"github.com/alertgate/alertgate/router/store/redis/redistest"
	"github.com/alertgate/alertgate/router/store/storetest"
)

// TestGroupSummaries_AGroupWithoutATallyIsCountedOnceAndKeptFromThen
// covers groups a Redis holds from before tallies existed, and groups
// whose members hash expired before the group's hash (an acknowledgement
// or escalation refreshes the group alone): the summary counts their
// members once, rewrites the tally, and the write paths keep it from
// then on.
func TestGroupSummaries_AGroupWithoutATallyIsCountedOnceAndKeptFromThen(t *testing.T) {
	srv := redistest.Start(t)
	ctx := t.Context()
	inc := incident.Incident{ID: incident.ID(team.Key, t0), Group: team.Key}
	summary := func(s *Store) store.GroupSummary {
		t.Helper()
		got, err := s.GroupSummaries(ctx, []incident.Incident{inc})
		if err != nil {
			t.Fatal(err)
		}
		return got[0]
	}
	for _, tt := range []struct {
		name string
		// lose removes what the group would lack.
		lose func(s *Store, k keys)
		want store.GroupSummary
	}{
		{"WrittenBeforeTallies", func(s *Store, k keys) {
			s.client.HDel(ctx, k.group(team.Key), "resolved", "src:alertmanager", "src:cloudwatch")
		}, store.GroupSummary{Found: true, Members: 3, Firing: 2, Sources: []alert.Source{alert.SourceAlertmanager, alert.SourceCloudWatch}, Title: "5xx above 5%"}},
		{"MembersExpiredFirst", func(s *Store, k keys) {
			s.client.Del(ctx, k.members(team.Key))
		}, store.GroupSummary{Found: true}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := New(newClient(t, srv), t.Name()+":", testOptions)
			cw := firing("c", team)
			cw.Alert.Source = alert.SourceCloudWatch
			if _, err := s.Observe(ctx, t0, []store.Observation{firing("a", team), firing("b", team), cw}); err != nil {
				t.Fatal(err)
			}
			b := firing("b", team)
			b.Alert.Status, b.Alert.EndsAt = alert.StatusResolved, t0.Add(time.Minute)
			if _, err := s.Observe(ctx, t0.Add(time.Minute), []store.Observation{b}); err != nil {
				t.Fatal(err)
			}
			tt.lose(s, s.part(team.Key))
			if got := summary(s); !sameSummary(got, tt.want) || s.Recounts() != 1 {
				t.Fatalf("summary = %+v after %d recounts, want %+v after one", got, s.Recounts(), tt.want)
			}
			if got := summary(s); !sameSummary(got, tt.want) || s.Recounts() != 1 {
				t.Fatalf("read again: summary = %+v after %d recounts, want %+v and no more recounting", got, s.Recounts(), tt.want)
			}
			// From then on the write paths keep the tally.
			if _, err := s.Observe(ctx, t0.Add(2*time.Minute), []store.Observation{firing("d", team)}); err != nil {
				t.Fatal(err)
			}
			tt.want.Members++
			tt.want.Firing++
			if !slices.Contains(tt.want.Sources, alert.SourceAlertmanager) {
				tt.want.Sources = append([]alert.Source{alert.SourceAlertmanager}, tt.want.Sources...)
			}
			if tt.want.Title == "" {
				tt.want.Title = "5xx above 5%"
			}
			if got := summary(s); !sameSummary(got, tt.want) || s.Recounts() != 1 {
				t.Errorf("after a join: summary = %+v after %d recounts, want %+v", got, s.Recounts(), tt.want)
			}
		})
	}
}

// TestGroupSummaries_AnExpiredGroupIsNotFound: the tally lives in the
// group's hash, so it expires with the group.
func TestGroupSummaries_AnExpiredGroupIsNotFound(t *testing.T) {
	srv := redistest.Start(t)
	s := newStore(t, srv, "expired:", testOptions)
	if _, err := s.Observe(t.Context(), t0, []store.Observation{firing("a", team)}); err != nil {
		t.Fatal(err)
	}
	k := s.part(team.Key)
	for _, key := range []string{k.group(team.Key), k.members(team.Key)} {
		if ttl := s.client.PTTL(t.Context(), key).Val(); ttl <= 0 || ttl > testOptions.Retention {
			t.Fatalf("%s has TTL %v, want the retention", key, ttl)
		}
	}
	s.client.Del(t.Context(), k.group(team.Key), k.members(team.Key)) // what the TTL does
	got, err := s.GroupSummaries(t.Context(), []incident.Incident{{ID: incident.ID(team.Key, t0), Group: team.Key}})
	if err != nil || got[0].Found {
		t.Errorf("summary of an expired group = %+v, %v; want not found", got, err)
	}
}

// TestCluster_BoardReadsAcrossThreeShards runs the board's part of the
// conformance suite on a real Redis Cluster of three masters (each with
// a replica, which accepted writes wait for), state split over 16
// partitions: summaries of many groups cross the shards in one call.
func TestCluster_BoardReadsAcrossThreeShards(t *testing.T) {
	cluster := redistest.StartCluster(t, 3, 1)
	factory := func(t *testing.T, opts store.Options) store.Store {
		opts.Partitions = 16
		s := New(cluster.Client(), t.Name()+":", opts)
		t.Cleanup(func() {
			if n := s.Recounts(); n != 0 {
				t.Errorf("%d group tallies did not add up and were recounted", n)
			}
		})
		return s
	}
	storetest.RunBoard(t, factory)
}

func sameSummary(a, b store.GroupSummary) bool {
	return a.Found == b.Found && a.Members == b.Members && a.Firing == b.Firing && slices.Equal(a.Sources, b.Sources) &&
		slices.Equal(a.Escalated, b.Escalated) && a.Title == b.Title
}
