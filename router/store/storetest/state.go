package storetest

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/incident"
	"github.com/alertgate/alertgate/router/store"
)

// RunState runs the suite for the rules' state.
func RunState(t *testing.T, newStore Factory) {
	t.Run("Inhibition", func(t *testing.T) { runInhibition(t, newStore) })
	t.Run("Silences", func(t *testing.T) { runSilences(t, newStore) })
	t.Run("Timers", func(t *testing.T) { runTimers(t, newStore) })
	t.Run("Threads", func(t *testing.T) { runThreads(t, newStore) })
	t.Run("Incidents", func(t *testing.T) { runIncidents(t, newStore) })
	t.Run("Cache", func(t *testing.T) {
		s := newStore(t, testOptions)
		if _, ok, err := s.CacheGet(t.Context(), t0, "k"); ok || err != nil {
			t.Fatalf("empty cache: %v %v", ok, err)
		}
		if err := s.CacheSet(t.Context(), t0, "k", []byte("summary"), time.Hour); err != nil {
			t.Fatal(err)
		}
		v, ok, err := s.CacheGet(t.Context(), t0, "k")
		if !ok || err != nil || string(v) != "summary" {
			t.Errorf("CacheGet = %q, %v, %v", v, ok, err)
		}
	})
}

func runThreads(t *testing.T, newStore Factory) {
	t.Run("ThreadIsRememberedPerIncidentAndTarget", func(t *testing.T) {
		s := newStore(t, testOptions)
		if _, ok, err := s.Thread(t.Context(), "inc", "slack:team"); ok || err != nil {
			t.Fatalf("unknown thread: %v %v", ok, err)
		}
		th := incident.Thread{Ref: "C123/1700000000.000100", Seq: 1}
		if err := s.SetThread(t.Context(), t0, "inc", "slack:team", th); err != nil {
			t.Fatal(err)
		}
		got, ok, err := s.Thread(t.Context(), "inc", "slack:team")
		if !ok || err != nil || got != th {
			t.Errorf("Thread = %+v, %v, %v; want %+v", got, ok, err, th)
		}
		if _, ok, _ := s.Thread(t.Context(), "inc", "slack:other"); ok {
			t.Error("a thread leaked to another target")
		}
	})
	t.Run("OlderSequenceNumbersAreStale", func(t *testing.T) {
		s := newStore(t, testOptions)
		for _, tt := range []struct {
			seq  int64
			want bool
		}{{1, true}, {3, true}, {3, true}, {2, false}, {0, true}, {4, true}} {
			got, err := s.Advance(t.Context(), t0, "inc", "pagerduty:oncall", tt.seq)
			if err != nil || got != tt.want {
				t.Errorf("Advance(%d) = %v, %v; want %v", tt.seq, got, err, tt.want)
			}
		}
		if ok, _ := s.Advance(t.Context(), t0, "inc", "slack:team", 1); !ok {
			t.Error("sequence numbers leak across targets")
		}
	})
}

func runInhibition(t *testing.T, newStore Factory) {
	holding := func(fp string, status alert.Status, startsAt time.Time, keys ...string) store.Observation {
		o := obs(newAlert(fp, status, startsAt))
		o.Inhibits = keys
		return o
	}
	inhibitors := func(t *testing.T, s store.Store, keys ...string) map[string][]alert.Fingerprint {
		t.Helper()
		m, err := s.Inhibitors(t.Context(), keys)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	t.Run("FiringAlertHoldsItsKeysUntilResolved", func(t *testing.T) {
		s := newStore(t, testOptions)
		observe(t, s, t0, holding("node", alert.StatusFiring, t0, "0/node=n1", "1/cluster=c"))
		observe(t, s, t0, holding("node2", alert.StatusFiring, t0, "0/node=n2"))
		got := inhibitors(t, s, "0/node=n1", "0/node=n2", "0/node=n3")
		if !slices.Equal(got["0/node=n1"], []alert.Fingerprint{"node"}) || !slices.Equal(got["0/node=n2"], []alert.Fingerprint{"node2"}) || len(got["0/node=n3"]) != 0 {
			t.Errorf("inhibitors = %v", got)
		}
		observe(t, s, t0.Add(time.Minute), holding("node", alert.StatusResolved, t0, "0/node=n1", "1/cluster=c"))
		if got := inhibitors(t, s, "0/node=n1", "1/cluster=c"); len(got["0/node=n1"])+len(got["1/cluster=c"]) != 0 {
			t.Errorf("a resolved alert still inhibits: %v", got)
		}
	})
	t.Run("StaleFiringDoesNotHoldAgain", func(t *testing.T) {
		s := newStore(t, testOptions)
		observe(t, s, t0, holding("node", alert.StatusFiring, t0, "k"))
		observe(t, s, t0.Add(time.Minute), holding("node", alert.StatusResolved, t0, "k"))
		observe(t, s, t0.Add(time.Minute+time.Second), holding("node", alert.StatusFiring, t0, "k"))
		if got := inhibitors(t, s, "k"); len(got["k"]) != 0 {
			t.Errorf("a late HA twin of a resolved alert inhibits again: %v", got)
		}
	})
}

func runSilences(t *testing.T, newStore Factory) {
	sil := incident.Silence{ID: "s1", Matchers: []string{`service="api"`}, StartsAt: t0, EndsAt: t0.Add(time.Hour), CreatedBy: "alice", Comment: "deploy", CreatedAt: t0}
	t.Run("SetListExpire", func(t *testing.T) {
		s := newStore(t, testOptions)
		if err := s.SetSilence(t.Context(), sil); err != nil {
			t.Fatal(err)
		}
		got, err := s.Silences(t.Context(), t0)
		if err != nil || len(got) != 1 || got[0].ID != "s1" || got[0].Matchers[0] != `service="api"` || got[0].CreatedBy != "alice" || !got[0].EndsAt.Equal(sil.EndsAt) {
			t.Fatalf("Silences = %+v, %v", got, err)
		}
		if err := s.ExpireSilence(t.Context(), "s1", t0.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		got, _ = s.Silences(t.Context(), t0.Add(time.Minute))
		if len(got) != 1 || got[0].Active(t0.Add(time.Minute)) || !got[0].EndsAt.Equal(t0.Add(time.Minute)) {
			t.Errorf("after expiry = %+v, want it listed but no longer active", got)
		}
		if err := s.ExpireSilence(t.Context(), "nope", t0); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("expiring an unknown silence = %v, want ErrNotFound", err)
		}
	})
	t.Run("LongExpiredSilencesAreForgotten", func(t *testing.T) {
		s := newStore(t, testOptions)
		_ = s.SetSilence(t.Context(), sil)
		got, _ := s.Silences(t.Context(), sil.EndsAt.Add(store.SilenceRetention+time.Second))
		if len(got) != 0 {
			t.Errorf("silence expired beyond retention still listed: %+v", got)
		}
	})
}

func runTimers(t *testing.T, newStore Factory) {
	// escalating sets up a flushed group with one firing alert and an
	// escalation timer 15 minutes later.
	escalating := func(t *testing.T) (store.Store, store.Timer) {
		s := newStore(t, testOptions)
		observe(t, s, t0, obs(newAlert("a", alert.StatusFiring, t0), team))
		at := t0.Add(team.Wait)
		complete(t, s, at, claim(t, s, at)[0], "slack")
		tm := store.Timer{Group: team.Key, Receiver: "oncall", At: at.Add(15 * time.Minute)}
		if err := s.ScheduleTimer(t.Context(), tm); err != nil {
			t.Fatal(err)
		}
		return s, tm
	}
	claimTimers := func(t *testing.T, s store.Store, now time.Time) []store.Timer {
		t.Helper()
		got, err := s.ClaimTimers(t.Context(), now, 10)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	t.Run("FiresOnceAtItsTime", func(t *testing.T) {
		s, tm := escalating(t)
		if got := claimTimers(t, s, tm.At.Add(-time.Second)); len(got) != 0 {
			t.Fatalf("timer fired early: %+v", got)
		}
		got := claimTimers(t, s, tm.At)
		if len(got) != 1 || got[0].Group != team.Key || got[0].Receiver != "oncall" || got[0].Lease == "" {
			t.Fatalf("claimed %+v, want the escalation timer with a lease", got)
		}
		if again := claimTimers(t, s, tm.At.Add(time.Second)); len(again) != 0 {
			t.Fatalf("a leased timer was claimed twice: %+v", again)
		}
		if err := s.CompleteTimer(t.Context(), tm.At, got[0], [][]byte{[]byte("page")}); err != nil {
			t.Fatal(err)
		}
		if d := depth(t, s); d != 2 {
			t.Errorf("outbox depth = %d, want the slack message and the page", d)
		}
		g, ok, err := s.Group(t.Context(), team.Key)
		if err != nil || !ok || !slices.Equal(g.Escalated, []string{"oncall"}) {
			t.Errorf("group = %+v, %v, %v; want escalated to oncall", g, ok, err)
		}
		if again := claimTimers(t, s, tm.At.Add(time.Hour)); len(again) != 0 {
			t.Errorf("a completed timer fired again: %+v", again)
		}
		observe(t, s, tm.At.Add(time.Minute), obs(newAlert("b", alert.StatusFiring, t0), team))
		f := claim(t, s, tm.At.Add(team.Interval+time.Minute))
		if len(f) != 1 || !slices.Equal(f[0].Escalated, []string{"oncall"}) {
			t.Errorf("later flush = %+v, want it to carry the escalation", f)
		}
	})
	t.Run("ExpiredLeaseIsReclaimedAndTheOldHolderLosesIt", func(t *testing.T) {
		s, tm := escalating(t)
		first := claimTimers(t, s, tm.At)[0]
		second := claimTimers(t, s, tm.At.Add(testOptions.LeaseTTL))
		if len(second) != 1 {
			t.Fatalf("reclaim got %d timers", len(second))
		}
		if err := s.CompleteTimer(t.Context(), tm.At, first, [][]byte{[]byte("x")}); !errors.Is(err, store.ErrLeaseLost) {
			t.Errorf("CompleteTimer with a lost lease = %v, want ErrLeaseLost", err)
		}
	})
	t.Run("AcknowledgeCancelsAndIsRecorded", func(t *testing.T) {
		s, tm := escalating(t)
		if err := s.Acknowledge(t.Context(), team.Key, "U123 (alice)", tm.At.Add(-time.Minute)); err != nil {
			t.Fatal(err)
		}
		if got := claimTimers(t, s, tm.At); len(got) != 0 {
			t.Errorf("timer fired after an acknowledgement: %+v", got)
		}
		g, _, _ := s.Group(t.Context(), team.Key)
		if g.AckedBy != "U123 (alice)" || !g.AckedAt.Equal(tm.At.Add(-time.Minute)) {
			t.Errorf("group = %+v, want the acknowledgement recorded", g)
		}
		if err := s.Acknowledge(t.Context(), "no-such-group", "x", t0); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("acknowledging an unknown group = %v, want ErrNotFound", err)
		}
	})
	t.Run("ResolvedGroupCancelsItsTimers", func(t *testing.T) {
		s, tm := escalating(t)
		observe(t, s, t0.Add(2*time.Minute), obs(newAlert("a", alert.StatusResolved, t0), team))
		at := t0.Add(team.Wait + team.Interval)
		complete(t, s, at, claim(t, s, at)[0], "resolve")
		if got := claimTimers(t, s, tm.At); len(got) != 0 {
			t.Errorf("timer of a resolved incident fired: %+v", got)
		}
		if _, ok, _ := s.Group(t.Context(), team.Key); ok {
			t.Error("a fully resolved group is still there")
		}
	})
	t.Run("CancelAndReplace", func(t *testing.T) {
		s, tm := escalating(t)
		moved := tm
		moved.At = tm.At.Add(time.Hour)
		_ = s.ScheduleTimer(t.Context(), moved)
		if got := claimTimers(t, s, tm.At); len(got) != 0 {
			t.Errorf("replaced timer fired at its old time")
		}
		_ = s.CancelTimers(t.Context(), team.Key)
		if got := claimTimers(t, s, moved.At); len(got) != 0 {
			t.Errorf("cancelled timer fired")
		}
	})
}
