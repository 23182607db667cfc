package storetest

import (
	"testing"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/incident"
	"github.com/alertgate/alertgate/router/dedup"
	"github.com/alertgate/alertgate/router/store"
)

func runDedup(t *testing.T, newStore Factory) {
	firing := func(fp string) store.Observation { return obs(newAlert(fp, alert.StatusFiring, t0)) }
	resolved := func(fp string, at time.Time) store.Observation {
		a := newAlert(fp, alert.StatusResolved, t0)
		a.EndsAt = at
		return obs(a)
	}

	t.Run("NewFiringNotifies", func(t *testing.T) {
		s := newStore(t, testOptions)
		want(t, observe(t, s, t0, firing("a"))[0], dedup.Notify, incident.ReasonNew)
	})
	t.Run("HATwinWithinRepeatIntervalIsSuppressedAndCounted", func(t *testing.T) {
		s := newStore(t, testOptions)
		observe(t, s, t0, firing("a"))
		v := observe(t, s, t0.Add(time.Second), firing("a"))[0]
		want(t, v, dedup.Suppress, incident.ReasonDuplicate)
		v = observe(t, s, t0.Add(repeat-time.Second), firing("a"))[0]
		want(t, v, dedup.Suppress, incident.ReasonDuplicate)
		if v.Suppressed != 2 {
			t.Errorf("suppressed count = %d, want 2", v.Suppressed)
		}
	})
	t.Run("SameFingerprintTwiceInOneBatchNotifiesOnce", func(t *testing.T) {
		s := newStore(t, testOptions)
		v := observe(t, s, t0, firing("a"), firing("a"))
		want(t, v[0], dedup.Notify, incident.ReasonNew)
		want(t, v[1], dedup.Suppress, incident.ReasonDuplicate)
	})
	t.Run("RepeatIntervalElapsedRenotifies", func(t *testing.T) {
		s := newStore(t, testOptions)
		observe(t, s, t0, firing("a"))
		want(t, observe(t, s, t0.Add(repeat), firing("a"))[0], dedup.Notify, incident.ReasonRepeat)
		want(t, observe(t, s, t0.Add(repeat+time.Minute), firing("a"))[0], dedup.Suppress, incident.ReasonDuplicate)
	})
	t.Run("ObservationRepeatIntervalIsHonoured", func(t *testing.T) {
		s := newStore(t, testOptions)
		o := firing("a")
		o.RepeatInterval = time.Hour
		observe(t, s, t0, o)
		want(t, observe(t, s, t0.Add(time.Hour), o)[0], dedup.Notify, incident.ReasonRepeat)
	})
	t.Run("ResolvedAfterNotifiedFiringNotifies", func(t *testing.T) {
		s := newStore(t, testOptions)
		observe(t, s, t0, firing("a"))
		want(t, observe(t, s, t0.Add(time.Minute), resolved("a", t0.Add(time.Minute)))[0], dedup.Notify, incident.ReasonResolved)
		want(t, observe(t, s, t0.Add(2*time.Minute), resolved("a", t0.Add(time.Minute)))[0], dedup.Suppress, incident.ReasonDuplicate)
	})
	t.Run("ResolvedNeverNotifiedIsDropped", func(t *testing.T) {
		s := newStore(t, testOptions)
		want(t, observe(t, s, t0, resolved("a", t0))[0], dedup.Drop, incident.ReasonUnnotified)
	})
	t.Run("LateFiringOfAResolvedEpisodeIsStale", func(t *testing.T) {
		s := newStore(t, testOptions)
		observe(t, s, t0, firing("a"))
		observe(t, s, t0.Add(5*time.Minute), resolved("a", t0.Add(5*time.Minute)))
		// The slower HA replica still reports the old episode as firing.
		want(t, observe(t, s, t0.Add(5*time.Minute+time.Second), firing("a"))[0], dedup.Suppress, incident.ReasonStale)
	})
	t.Run("FiringAgainAfterResolveIsNew", func(t *testing.T) {
		s := newStore(t, testOptions)
		observe(t, s, t0, firing("a"))
		observe(t, s, t0.Add(5*time.Minute), resolved("a", t0.Add(5*time.Minute)))
		again := obs(newAlert("a", alert.StatusFiring, t0.Add(20*time.Minute)))
		want(t, observe(t, s, t0.Add(20*time.Minute), again)[0], dedup.Notify, incident.ReasonNew)
	})
	t.Run("FingerprintsAreIndependent", func(t *testing.T) {
		s := newStore(t, testOptions)
		v := observe(t, s, t0, firing("a"), firing("b"))
		want(t, v[0], dedup.Notify, incident.ReasonNew)
		want(t, v[1], dedup.Notify, incident.ReasonNew)
	})
}

func runFlapping(t *testing.T, newStore Factory) {
	// flip observes alert a alternating firing/resolved, one per minute
	// from start, n times, each a new episode.
	flip := func(t *testing.T, s store.Store, start time.Time, n int) []dedup.Verdict {
		var out []dedup.Verdict
		for i := range n {
			at := start.Add(time.Duration(i) * time.Minute)
			status := alert.StatusFiring
			if i%2 == 1 {
				status = alert.StatusResolved
			}
			a := newAlert("a", status, at)
			a.EndsAt = time.Time{}
			if status == alert.StatusResolved {
				a.StartsAt, a.EndsAt = start, at
			}
			out = append(out, observe(t, s, at, obs(a))[0])
		}
		return out
	}

	t.Run("FourTransitionsInWindowNotifyFlappingOnce", func(t *testing.T) {
		s := newStore(t, testOptions)
		v := flip(t, s, t0, 8)
		// new, resolved, new, resolved, then the 4th transition flaps.
		want(t, v[0], dedup.Notify, incident.ReasonNew)
		want(t, v[1], dedup.Notify, incident.ReasonResolved)
		want(t, v[2], dedup.Notify, incident.ReasonNew)
		want(t, v[3], dedup.Notify, incident.ReasonResolved)
		want(t, v[4], dedup.Notify, incident.ReasonFlapping)
		for _, x := range v[5:] {
			want(t, x, dedup.Suppress, incident.ReasonFlapSuppressed)
		}
	})
	t.Run("TransitionsOutsideTheWindowDoNotCount", func(t *testing.T) {
		s := newStore(t, testOptions)
		for i, status := range []alert.Status{alert.StatusFiring, alert.StatusResolved, alert.StatusFiring, alert.StatusResolved, alert.StatusFiring} {
			at := t0.Add(time.Duration(i) * 20 * time.Minute)
			a := newAlert("a", status, at)
			if status == alert.StatusResolved {
				a.EndsAt = at
			}
			if v := observe(t, s, at, obs(a))[0]; v.Reason == incident.ReasonFlapping {
				t.Fatalf("observation %d flapped although transitions were 20 minutes apart", i)
			}
		}
	})
	t.Run("StableForQuietPeriodDeliversFinalStateOnce", func(t *testing.T) {
		s := newStore(t, testOptions)
		flip(t, s, t0, 6) // flapping from the 5th, last observation resolved at t0+5m
		last := t0.Add(5 * time.Minute)
		settled := settle(t, s, last.Add(testOptions.Flap.Quiet-time.Second))
		if len(settled) != 0 {
			t.Fatalf("settled before the quiet period: %v", settled)
		}
		settled = settle(t, s, last.Add(testOptions.Flap.Quiet))
		if len(settled) != 1 {
			t.Fatalf("settled %d alerts after the quiet period, want 1", len(settled))
		}
		want(t, settled[0], dedup.Notify, incident.ReasonFlapSettled)
		if again := settle(t, s, last.Add(2*testOptions.Flap.Quiet)); len(again) != 0 {
			t.Errorf("settled twice: %v", again)
		}
	})
	t.Run("TransitionWhileFlappingExtendsTheQuietPeriod", func(t *testing.T) {
		s := newStore(t, testOptions)
		flip(t, s, t0, 5)
		later := t0.Add(8 * time.Minute)
		a := newAlert("a", alert.StatusResolved, t0)
		a.EndsAt = later
		want(t, observe(t, s, later, obs(a))[0], dedup.Suppress, incident.ReasonFlapSuppressed)
		if got := settle(t, s, t0.Add(4*time.Minute).Add(testOptions.Flap.Quiet)); len(got) != 0 {
			t.Errorf("settled %v although the alert changed %s before", got, testOptions.Flap.Quiet)
		}
		if got := settle(t, s, later.Add(testOptions.Flap.Quiet)); len(got) != 1 {
			t.Errorf("settled %d, want 1 after the quiet period since the last transition", len(got))
		}
	})
}

// runSlowFlapping checks the long horizon and the held resolve: an alarm
// in cycles too slow for the flap window, and one that flips back
// before its resolve is told.
func runSlowFlapping(t *testing.T, newStore Factory) {
	opts := testOptions
	opts.Flap.LongTransitions, opts.Flap.LongWindow, opts.Flap.ResolveHold = 6, 2*time.Hour, 10*time.Minute
	// cycle observes alert a firing at start+i*period and resolved half a
	// period later, n times.
	cycle := func(t *testing.T, s store.Store, start time.Time, period time.Duration, n int) []dedup.Verdict {
		var out []dedup.Verdict
		for i := range n {
			on := start.Add(time.Duration(i) * period)
			a := newAlert("slow", alert.StatusFiring, on)
			out = append(out, observe(t, s, on, obs(a))[0])
			off := on.Add(period / 2)
			r := newAlert("slow", alert.StatusResolved, on)
			r.EndsAt = off
			out = append(out, observe(t, s, off, obs(r))[0])
		}
		return out
	}
	t.Run("SlowCyclesFlapOnTheLongHorizonAndSettleOnce", func(t *testing.T) {
		s := newStore(t, opts)
		// 24-minute cycles: two transitions per 24 minutes, never four in
		// the 30-minute window, six within two hours.
		v := cycle(t, s, t0, 24*time.Minute, 4)
		flapped := 0
		for _, x := range v {
			if x.Reason == incident.ReasonFlapping {
				flapped++
			}
		}
		if flapped != 1 {
			t.Fatalf("verdicts %v, want one flapping notice", v)
		}
		// The quiet period follows the cycle: 12-minute halves keep it
		// flapping past the 10-minute quiet.
		last := t0.Add(3*24*time.Minute + 12*time.Minute)
		if got := settle(t, s, last.Add(11*time.Minute)); len(got) != 0 {
			t.Fatalf("settled within its own cycle: %v", got)
		}
		got := settle(t, s, last.Add(13*time.Minute))
		if len(got) != 1 || got[0].Reason != incident.ReasonFlapSettled {
			t.Fatalf("settled %v, want one flap-settled after a whole cycle of quiet", got)
		}
	})
	t.Run("ResolveOfAShortEpisodeWaitsAndMergesWithTheNext", func(t *testing.T) {
		s := newStore(t, opts)
		want(t, observe(t, s, t0, obs(newAlert("h", alert.StatusFiring, t0), team))[0], dedup.Notify, incident.ReasonNew)
		if f, err := s.ClaimGroups(t.Context(), t0.Add(time.Minute), 10); err != nil || len(f) != 1 {
			t.Fatalf("ClaimGroups = %+v, %v", f, err)
		} else if err := s.CompleteFlush(t.Context(), t0.Add(time.Minute), f[0], nil); err != nil {
			t.Fatal(err)
		}
		r := newAlert("h", alert.StatusResolved, t0)
		r.EndsAt = t0.Add(3 * time.Minute)
		want(t, observe(t, s, t0.Add(3*time.Minute), obs(r, team))[0], dedup.Suppress, incident.ReasonResolveHeld)
		if got := settle(t, s, t0.Add(8*time.Minute)); len(got) != 0 {
			t.Fatalf("the held resolve was told early: %v", got)
		}
		// It fires again within the hold: one episode, nothing to tell.
		back := newAlert("h", alert.StatusFiring, t0.Add(9*time.Minute))
		want(t, observe(t, s, t0.Add(9*time.Minute), obs(back, team))[0], dedup.Suppress, incident.ReasonDuplicate)
		if got := settle(t, s, t0.Add(30*time.Minute)); len(got) != 0 {
			t.Fatalf("a cancelled hold was told: %v", got)
		}
		// It resolves again and stays resolved: told once the hold is over.
		r2 := newAlert("h", alert.StatusResolved, t0.Add(9*time.Minute))
		r2.EndsAt = t0.Add(12 * time.Minute)
		want(t, observe(t, s, t0.Add(12*time.Minute), obs(r2, team))[0], dedup.Suppress, incident.ReasonResolveHeld)
		got := settle(t, s, t0.Add(22*time.Minute))
		if len(got) != 1 || got[0].Action != dedup.Notify || got[0].Reason != incident.ReasonResolved {
			t.Fatalf("after the hold: %v, want the resolve", got)
		}
		f, err := s.ClaimGroups(t.Context(), t0.Add(22*time.Minute), 10)
		if err != nil || len(f) != 1 || len(f[0].Members) != 1 || f[0].Members[0].Alert.Status != alert.StatusResolved {
			t.Fatalf("the group after the hold = %+v, %v; want the resolved alert with news", f, err)
		}
	})
	t.Run("ResolveOfALongEpisodeIsToldAtOnce", func(t *testing.T) {
		s := newStore(t, opts)
		observe(t, s, t0, obs(newAlert("l", alert.StatusFiring, t0)))
		r := newAlert("l", alert.StatusResolved, t0)
		r.EndsAt = t0.Add(time.Hour)
		want(t, observe(t, s, t0.Add(time.Hour), obs(r))[0], dedup.Notify, incident.ReasonResolved)
	})
}

func settle(t *testing.T, s store.Store, now time.Time) []dedup.Verdict {
	t.Helper()
	v, err := s.Settle(t.Context(), now)
	if err != nil {
		t.Fatalf("Settle: %v", err)
	}
	return v
}
