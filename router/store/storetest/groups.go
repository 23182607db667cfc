package storetest

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/incident"
	"github.com/alertgate/alertgate/router/dedup"
	"github.com/alertgate/alertgate/router/store"
)

var team = incident.GroupRef{Key: "g-team", Route: "{}/0", Receiver: "team", Labels: map[string]string{"service": "api"}, Wait: 30 * time.Second, Interval: 5 * time.Minute}

func claim(t *testing.T, s store.Store, now time.Time) []incident.Flush {
	t.Helper()
	f, err := s.ClaimGroups(t.Context(), now, 100)
	if err != nil {
		t.Fatalf("ClaimGroups: %v", err)
	}
	return f
}

func complete(t *testing.T, s store.Store, now time.Time, f incident.Flush, entries ...string) {
	t.Helper()
	var b [][]byte
	for _, e := range entries {
		b = append(b, []byte(e))
	}
	if err := s.CompleteFlush(t.Context(), now, f, b); err != nil {
		t.Fatalf("CompleteFlush: %v", err)
	}
}

func members(f incident.Flush) map[string]incident.Member {
	m := map[string]incident.Member{}
	for _, x := range f.Members {
		m[string(x.Alert.Fingerprint)] = x
	}
	return m
}

func runGroups(t *testing.T, newStore Factory) {
	fire := func(fp string) store.Observation { return obs(newAlert(fp, alert.StatusFiring, t0), team) }

	t.Run("NewGroupIsDueAfterGroupWait", func(t *testing.T) {
		s := newStore(t, testOptions)
		observe(t, s, t0, fire("a"), fire("b"))
		if f := claim(t, s, t0.Add(team.Wait-time.Second)); len(f) != 0 {
			t.Fatalf("claimed %d groups before group_wait", len(f))
		}
		f := claim(t, s, t0.Add(team.Wait))
		if len(f) != 1 {
			t.Fatalf("claimed %d groups, want 1", len(f))
		}
		g := f[0]
		if g.Group.Key != team.Key || g.Group.Receiver != "team" || g.Seq != 1 || len(g.Members) != 2 || !g.Opened.Equal(t0) {
			t.Errorf("flush = %+v, want group g-team, receiver team, seq 1, 2 members, opened at t0", g)
		}
		for fp, m := range members(g) {
			if m.Reason != incident.ReasonNew || m.Flushed != "" || m.Alert.Annotations["summary"] == "" || !m.Joined.Equal(t0) {
				t.Errorf("member %s = %+v, want reason new, never flushed, joined at t0, with its annotations", fp, m)
			}
		}
	})
	t.Run("AGroupTakesTheSettingsOfItsLatestJoin", func(t *testing.T) {
		// A reload that changes the route's receiver or intervals: the
		// group keeps its key and takes the new settings.
		s := newStore(t, testOptions)
		observe(t, s, t0, fire("a"))
		now := t0.Add(team.Wait)
		complete(t, s, now, claim(t, s, now)[0])
		moved := team
		moved.Receiver, moved.Interval = "oncall", 2*team.Interval
		for i, ref := range []incident.GroupRef{moved, team} {
			now = now.Add(time.Hour)
			observe(t, s, now, obs(newAlert(fmt.Sprintf("n%d", i), alert.StatusFiring, now), ref))
			f := claim(t, s, now)
			if len(f) != 1 || f[0].Group.Receiver != ref.Receiver || f[0].Group.Interval != ref.Interval {
				t.Fatalf("join %d: flush = %+v, want the group with receiver %s, interval %s", i, f, ref.Receiver, ref.Interval)
			}
			complete(t, s, now, f[0])
		}
	})
	t.Run("AClaimedGroupIsNotClaimedAgainWhileLeased", func(t *testing.T) {
		s := newStore(t, testOptions)
		observe(t, s, t0, fire("a"))
		now := t0.Add(team.Wait)
		if n := len(claim(t, s, now)); n != 1 {
			t.Fatalf("first claim got %d", n)
		}
		if n := len(claim(t, s, now.Add(testOptions.LeaseTTL-time.Second))); n != 0 {
			t.Errorf("second claim inside the lease got %d groups, want 0", n)
		}
	})
	t.Run("ExpiredLeaseIsReclaimedAndTheOldHolderLosesIt", func(t *testing.T) {
		s := newStore(t, testOptions)
		observe(t, s, t0, fire("a"))
		now := t0.Add(team.Wait)
		first := claim(t, s, now)[0]
		second := claim(t, s, now.Add(testOptions.LeaseTTL))
		if len(second) != 1 || second[0].Seq <= first.Seq {
			t.Fatalf("reclaim = %+v, want the group with a higher seq than %d", second, first.Seq)
		}
		err := s.CompleteFlush(t.Context(), now.Add(testOptions.LeaseTTL), first, [][]byte{[]byte("x")})
		if !errors.Is(err, store.ErrLeaseLost) {
			t.Errorf("CompleteFlush with the expired lease = %v, want ErrLeaseLost", err)
		}
		if d := depth(t, s); d != 0 {
			t.Errorf("outbox depth = %d after a lost lease, want 0", d)
		}
		complete(t, s, now.Add(testOptions.LeaseTTL), second[0], "y")
		if d := depth(t, s); d != 1 {
			t.Errorf("outbox depth = %d, want 1", d)
		}
	})
	t.Run("CompleteEnqueuesAndMarksMembersFlushed", func(t *testing.T) {
		s := newStore(t, testOptions)
		observe(t, s, t0, fire("a"))
		now := t0.Add(team.Wait)
		complete(t, s, now, claim(t, s, now)[0], "n1", "n2")
		if d := depth(t, s); d != 2 {
			t.Errorf("outbox depth = %d, want 2", d)
		}
		if f := claim(t, s, now.Add(time.Hour)); len(f) != 0 {
			t.Errorf("a group without news was due again: %+v", f)
		}
	})
	t.Run("NewsAfterAFlushWaitsForGroupInterval", func(t *testing.T) {
		s := newStore(t, testOptions)
		observe(t, s, t0, fire("a"))
		first := t0.Add(team.Wait)
		complete(t, s, first, claim(t, s, first)[0])
		observe(t, s, first.Add(time.Minute), fire("b"))
		if f := claim(t, s, first.Add(team.Interval-time.Second)); len(f) != 0 {
			t.Fatalf("group flushed before group_interval: %+v", f)
		}
		f := claim(t, s, first.Add(team.Interval))
		if len(f) != 1 {
			t.Fatalf("claimed %d after group_interval, want 1", len(f))
		}
		m := members(f[0])
		if m["a"].Flushed != alert.StatusFiring || m["a"].Changed() {
			t.Errorf("member a = %+v, want flushed firing with no news", m["a"])
		}
		if m["b"].Reason != incident.ReasonNew || m["b"].Flushed != "" || !m["b"].Joined.Equal(first.Add(time.Minute)) || !f[0].Opened.Equal(t0) {
			t.Errorf("member b = %+v, want new, never flushed, joined when it arrived, in the group opened at t0", m["b"])
		}
	})
	t.Run("ChangeDuringAFlushIsKeptForTheNextOne", func(t *testing.T) {
		s := newStore(t, testOptions)
		observe(t, s, t0, fire("a"))
		now := t0.Add(team.Wait)
		f := claim(t, s, now)[0]
		resolved := newAlert("a", alert.StatusResolved, t0)
		observe(t, s, now.Add(time.Second), obs(resolved, team))
		complete(t, s, now.Add(2*time.Second), f)
		next := claim(t, s, now.Add(2*time.Second).Add(team.Interval))
		if len(next) != 1 {
			t.Fatalf("the resolve that arrived during the flush was lost: %d groups due", len(next))
		}
		m := members(next[0])["a"]
		if m.Alert.Status != alert.StatusResolved || m.Reason != incident.ReasonResolved {
			t.Errorf("member = %+v, want the pending resolve", m)
		}
	})
	t.Run("AMemberThatJoinsAndChangesInOneCallIsOneMember", func(t *testing.T) {
		// Both observations in one call (a batch, or a request that
		// carries the alert twice): the second finds the member the first
		// made.
		s := newStore(t, testOptions)
		v := observe(t, s, t0, fire("a"), obs(newAlert("a", alert.StatusResolved, t0), team), fire("b"))
		want(t, v[0], dedup.Notify, incident.ReasonNew)
		want(t, v[1], dedup.Notify, incident.ReasonResolved)
		inc := incident.Incident{ID: incident.ID(team.Key, t0), Group: team.Key}
		checkSummary(t, s, "a joined and resolved, b joined", inc, store.GroupSummary{Found: true, Members: 2, Firing: 1,
			Sources: []alert.Source{alert.SourceAlertmanager}, Title: "5xx above 5%"})
		f := claim(t, s, t0.Add(team.Wait))
		if len(f) != 1 || len(f[0].Members) != 2 {
			t.Fatalf("claimed %+v, want one group of two members", f)
		}
		a := members(f[0])["a"]
		if a.Alert.Status != alert.StatusResolved || a.Reason != incident.ReasonResolved || a.Version != 2 || !a.Joined.Equal(t0) {
			t.Errorf("member a = %+v, want resolved, version 2, joined at t0", a)
		}
	})
	t.Run("ResolvedMembersLeaveAndAnEmptyGroupIsGone", func(t *testing.T) {
		s := newStore(t, testOptions)
		observe(t, s, t0, fire("a"))
		now := t0.Add(team.Wait)
		complete(t, s, now, claim(t, s, now)[0])
		observe(t, s, now.Add(time.Minute), obs(newAlert("a", alert.StatusResolved, t0), team))
		later := now.Add(team.Interval)
		f := claim(t, s, later)
		if len(f) != 1 {
			t.Fatalf("resolve not due: %d", len(f))
		}
		complete(t, s, later, f[0], "resolve")
		// The same alert firing again is a new group: group_wait again.
		again := newAlert("a", alert.StatusFiring, later.Add(time.Minute))
		observe(t, s, later.Add(time.Minute), obs(again, team))
		if f := claim(t, s, later.Add(time.Minute).Add(team.Wait-time.Second)); len(f) != 0 {
			t.Errorf("a re-formed group skipped group_wait: %+v", f)
		}
		f = claim(t, s, later.Add(time.Minute).Add(team.Wait))
		if len(f) != 1 || len(f[0].Members) != 1 || f[0].Members[0].Flushed != "" {
			t.Errorf("re-formed group = %+v, want one never-flushed member", f)
		}
	})
	t.Run("DuplicatesDoNotScheduleTheGroup", func(t *testing.T) {
		s := newStore(t, testOptions)
		observe(t, s, t0, fire("a"))
		now := t0.Add(team.Wait)
		complete(t, s, now, claim(t, s, now)[0])
		observe(t, s, now.Add(time.Minute), fire("a"))
		if f := claim(t, s, now.Add(time.Hour)); len(f) != 0 {
			t.Errorf("a duplicate made the group due: %+v", f)
		}
	})
	t.Run("VerdictsSayWhenWhatTheyScheduledIsDue", func(t *testing.T) {
		s := newStore(t, testOptions)
		scheduled := func(v dedup.Verdict, want time.Time, what string) {
			t.Helper()
			if !v.Scheduled.Equal(want) {
				t.Errorf("%s: Scheduled = %v, want %v", what, v.Scheduled, want)
			}
		}
		v := observe(t, s, t0, fire("a"), fire("b"))
		scheduled(v[0], t0.Add(team.Wait), "the alert that opened the group")
		scheduled(v[1], time.Time{}, "an alert joining a group already scheduled")
		scheduled(observe(t, s, t0.Add(time.Second), fire("a"))[0], time.Time{}, "a duplicate")

		// The earliest of several groups, wherever its state lives (a
		// partitioned store keeps each group in its own partition).
		var refs []incident.GroupRef
		for i := range 8 {
			r := team
			r.Key, r.Wait = fmt.Sprintf("g-wait-%d", i), time.Duration(80-10*i)*time.Second
			refs = append(refs, r)
		}
		scheduled(observe(t, s, t0, obs(newAlert("multi", alert.StatusFiring, t0), refs...))[0], t0.Add(10*time.Second), "an alert opening eight groups")

		flushed := t0.Add(team.Wait)
		for _, f := range claim(t, s, flushed) {
			complete(t, s, flushed, f)
		}
		scheduled(observe(t, s, flushed.Add(time.Minute), fire("c"))[0], flushed.Add(team.Interval), "news within group_interval of the last flush")
		var teamFlushed bool
		for _, f := range claim(t, s, flushed.Add(team.Interval)) {
			complete(t, s, flushed.Add(team.Interval), f)
			teamFlushed = teamFlushed || f.Group.Key == team.Key
		}
		if !teamFlushed {
			t.Fatalf("group %s was not due at group_interval", team.Key)
		}
		later := flushed.Add(team.Interval + time.Hour)
		scheduled(observe(t, s, later, fire("d"))[0], later, "news long after the last flush")
	})
	t.Run("PostponeReleasesWithoutMarking", func(t *testing.T) {
		s := newStore(t, testOptions)
		observe(t, s, t0, fire("a"))
		now := t0.Add(team.Wait)
		f := claim(t, s, now)[0]
		if err := s.Postpone(t.Context(), f, now.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if got := claim(t, s, now.Add(time.Hour-time.Second)); len(got) != 0 {
			t.Fatalf("postponed group due early")
		}
		got := claim(t, s, now.Add(time.Hour))
		if len(got) != 1 || members(got[0])["a"].Reason != incident.ReasonNew {
			t.Errorf("postponed group = %+v, want member a still new", got)
		}
	})
	t.Run("SettledFlapSchedulesTheGroup", func(t *testing.T) {
		s := newStore(t, testOptions)
		at := t0
		for i := range 5 {
			status := alert.StatusFiring
			if i%2 == 1 {
				status = alert.StatusResolved
			}
			a := newAlert("a", status, at)
			observe(t, s, at, obs(a, team))
			for _, f := range claim(t, s, at.Add(team.Wait+team.Interval)) {
				complete(t, s, at.Add(team.Wait+team.Interval), f)
			}
			at = at.Add(team.Wait + team.Interval + time.Second)
		}
		// Transitions 6 minutes apart: 4 of them within 30 minutes.
		settleAt := at.Add(testOptions.Flap.Quiet)
		if got := settle(t, s, settleAt); len(got) != 1 {
			t.Fatalf("settled %d, want 1", len(got))
		}
		f := claim(t, s, settleAt.Add(team.Interval))
		if len(f) != 1 || members(f[0])["a"].Reason != incident.ReasonFlapSettled {
			t.Errorf("after settling, flush = %+v, want member a with reason flap-settled", f)
		}
	})
	t.Run("FlapSuppressedChangeIsKeptCurrentButNotScheduled", func(t *testing.T) {
		s := newStore(t, testOptions)
		at := t0
		var last incident.Flush
		for i := range 6 {
			status := alert.StatusFiring
			if i%2 == 1 {
				status = alert.StatusResolved
			}
			observe(t, s, at, obs(newAlert("a", status, at), team))
			for _, f := range claim(t, s, at.Add(team.Wait+team.Interval)) {
				last = f
				complete(t, s, at.Add(team.Wait+team.Interval), f)
			}
			if i == 4 {
				// The 5th observation starts flapping: one flush, flagged.
				if m := members(last)["a"]; m.Reason != incident.ReasonFlapping || !m.Flapping {
					t.Fatalf("flapping member = %+v, want reason flapping, flagged", m)
				}
			}
			at = at.Add(team.Wait + team.Interval + time.Second)
		}
		// The 6th (resolved) was flap-suppressed: no flush, but the member
		// follows it, so the settling flush carries the final state.
		if members(last)["a"].Alert.Status != alert.StatusFiring {
			t.Fatalf("a flap-suppressed change was flushed: %+v", last)
		}
		if got := settle(t, s, at.Add(testOptions.Flap.Quiet)); len(got) != 1 {
			t.Fatalf("settled %d, want 1", len(got))
		}
		f := claim(t, s, at.Add(testOptions.Flap.Quiet+team.Interval))
		if len(f) != 1 {
			t.Fatalf("claimed %d after settling, want 1", len(f))
		}
		if m := members(f[0])["a"]; m.Alert.Status != alert.StatusResolved || m.Reason != incident.ReasonFlapSettled || m.Flapping {
			t.Errorf("settled member = %+v, want resolved, flap-settled, no longer flapping", m)
		}
	})
	t.Run("ClaimCarriesTheLeaseAndPostponeChecksIt", func(t *testing.T) {
		s := newStore(t, testOptions)
		observe(t, s, t0, fire("a"))
		now := t0.Add(team.Wait)
		first := claim(t, s, now)[0]
		if first.Lease == "" || !first.LeaseUntil.Equal(now.Add(testOptions.LeaseTTL)) {
			t.Errorf("lease = %q until %s, want a lease until %s", first.Lease, first.LeaseUntil, now.Add(testOptions.LeaseTTL))
		}
		second := claim(t, s, now.Add(testOptions.LeaseTTL))
		if len(second) != 1 || second[0].Lease == first.Lease {
			t.Fatalf("reclaim = %+v, want a new lease", second)
		}
		if err := s.Postpone(t.Context(), first, now.Add(time.Hour)); !errors.Is(err, store.ErrLeaseLost) {
			t.Errorf("Postpone with the expired lease = %v, want ErrLeaseLost", err)
		}
		if err := s.Postpone(t.Context(), second[0], now.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := s.Postpone(t.Context(), second[0], now.Add(time.Hour)); !errors.Is(err, store.ErrLeaseLost) {
			t.Errorf("Postpone of a released group = %v, want ErrLeaseLost", err)
		}
	})
	t.Run("ClaimsEveryDueGroupOnceUpToTheLimit", func(t *testing.T) {
		s := newStore(t, testOptions)
		// Five groups opened a second apart, each due group_wait later;
		// the third is postponed by an hour once claimed, the others
		// flushed.
		var keys []string
		for i := range 5 {
			g := team
			g.Key = fmt.Sprintf("g-%d", i)
			keys = append(keys, g.Key)
			observe(t, s, t0.Add(time.Duration(i)*time.Second), obs(newAlert(fmt.Sprintf("a%d", i), alert.StatusFiring, t0), g))
		}
		now := t0.Add(team.Wait + time.Minute)
		var got []string
		for _, limit := range []int{2, 2, 2} {
			f, err := s.ClaimGroups(t.Context(), now, limit)
			if err != nil {
				t.Fatal(err)
			}
			if len(f) > limit {
				t.Fatalf("claimed %d groups with limit %d", len(f), limit)
			}
			for _, fl := range f {
				got = append(got, fl.Group.Key)
				if fl.Group.Key != "g-2" {
					complete(t, s, now, fl)
				} else if err := s.Postpone(t.Context(), fl, now.Add(time.Hour)); err != nil {
					t.Fatal(err)
				}
			}
		}
		// (A partitioned store claims earliest first within a partition,
		// taking partitions in turn: the order is not compared.)
		slices.Sort(got)
		if fmt.Sprint(got) != fmt.Sprint(keys) {
			t.Errorf("claimed %v, want every due group once: %v", got, keys)
		}
		if f := claim(t, s, now.Add(time.Hour-time.Second)); len(f) != 0 {
			t.Errorf("claimed %d groups before the postponed one is due again", len(f))
		}
		if f := claim(t, s, now.Add(time.Hour)); len(f) != 1 || f[0].Group.Key != "g-2" {
			t.Errorf("an hour later claimed %+v, want the postponed g-2", f)
		}
	})
}
