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

func settle(t *testing.T, s store.Store, now time.Time) []dedup.Verdict {
	t.Helper()
	v, err := s.Settle(t.Context(), now)
	if err != nil {
		t.Fatalf("Settle: %v", err)
	}
	return v
}
