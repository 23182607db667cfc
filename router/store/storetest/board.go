package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/incident"
	"github.com/alertgate/alertgate/router/store"
)

// sourced returns an alert from source whose summary names its
// fingerprint.
func sourced(fp string, source alert.Source, status alert.Status) alert.Alert {
	a := newAlert(fp, status, t0)
	a.Source, a.Labels[alert.LabelSource] = source, string(source)
	a.Annotations = map[string]string{"summary": "alert " + fp}
	return a
}

// summaryOf is what GroupSummaries must say of inc, worked out from the
// group's members as Group reads them.
func summaryOf(t *testing.T, s store.Store, inc incident.Incident) store.GroupSummary {
	t.Helper()
	g, ok, err := s.Group(t.Context(), inc.Group)
	if err != nil {
		t.Fatalf("Group: %v", err)
	}
	if !ok || g.IncidentID() != inc.ID {
		return store.GroupSummary{}
	}
	sum := store.GroupSummary{Found: true, Members: len(g.Members), Escalated: g.Escalated}
	for _, m := range g.Members {
		if m.Alert.Status == alert.StatusFiring {
			sum.Firing++
		}
		if !slices.Contains(sum.Sources, m.Alert.Source) {
			sum.Sources = append(sum.Sources, m.Alert.Source)
		}
	}
	slices.Sort(sum.Sources)
	if inc.Title == "" && len(g.Members) > 0 {
		sum.Title = g.Members[0].Alert.Summary() // members are in fingerprint order
	}
	return sum
}

func summaries(t *testing.T, s store.Store, incs ...incident.Incident) []store.GroupSummary {
	t.Helper()
	got, err := s.GroupSummaries(t.Context(), incs)
	if err != nil {
		t.Fatalf("GroupSummaries: %v", err)
	}
	if len(got) != len(incs) {
		t.Fatalf("GroupSummaries returned %d summaries for %d incidents", len(got), len(incs))
	}
	return got
}

func sameSummary(a, b store.GroupSummary) bool {
	return a.Found == b.Found && a.Members == b.Members && a.Firing == b.Firing && slices.Equal(a.Sources, b.Sources) &&
		slices.Equal(a.Escalated, b.Escalated) && a.Title == b.Title
}

// checkSummary checks the summary of inc against want and against what
// the group's members say.
func checkSummary(t *testing.T, s store.Store, step string, inc incident.Incident, want store.GroupSummary) {
	t.Helper()
	got := summaries(t, s, inc)[0]
	if !sameSummary(got, want) {
		t.Errorf("%s: summary = %+v, want %+v", step, got, want)
	}
	if ref := summaryOf(t, s, inc); !sameSummary(got, ref) {
		t.Errorf("%s: summary = %+v, but the group's members say %+v", step, got, ref)
	}
}

func runBoard(t *testing.T, newStore Factory) {
	am, cw, nr := alert.SourceAlertmanager, alert.SourceCloudWatch, alert.SourceNewRelic
	firing, resolved := alert.StatusFiring, alert.StatusResolved
	in := func(a alert.Alert) store.Observation { return obs(a, team) }

	t.Run("SummaryFollowsEveryWritePath", func(t *testing.T) {
		s := newStore(t, testOptions)
		inc := incident.Incident{ID: incident.ID(team.Key, t0), Group: team.Key}
		titled := inc
		titled.Title = "API errors"

		observe(t, s, t0, in(sourced("a", am, firing)), in(sourced("b", cw, firing)), in(sourced("c", am, firing)))
		checkSummary(t, s, "opened", inc, store.GroupSummary{Found: true, Members: 3, Firing: 3, Sources: []alert.Source{am, cw}, Title: "alert a"})
		checkSummary(t, s, "opened, with a title", titled, store.GroupSummary{Found: true, Members: 3, Firing: 3, Sources: []alert.Source{am, cw}})

		observe(t, s, t0.Add(time.Minute), in(sourced("b", cw, resolved)))
		checkSummary(t, s, "a member resolved", inc, store.GroupSummary{Found: true, Members: 3, Firing: 2, Sources: []alert.Source{am, cw}, Title: "alert a"})

		first := t0.Add(team.Wait)
		complete(t, s, first, claim(t, s, first)[0], "n1")
		checkSummary(t, s, "flushed: the resolved member left", inc, store.GroupSummary{Found: true, Members: 2, Firing: 2, Sources: []alert.Source{am}, Title: "alert a"})

		observe(t, s, first.Add(time.Minute), in(sourced("d", nr, firing)))
		checkSummary(t, s, "a member joined", inc, store.GroupSummary{Found: true, Members: 3, Firing: 3, Sources: []alert.Source{am, nr}, Title: "alert a"})

		// The flush of the join is claimed, its holder dies, and another
		// replica reclaims it once the lease expired.
		second := first.Add(team.Interval)
		if got := claim(t, s, second); len(got) != 1 {
			t.Fatalf("claimed %d groups, want 1", len(got))
		}
		checkSummary(t, s, "claimed", inc, store.GroupSummary{Found: true, Members: 3, Firing: 3, Sources: []alert.Source{am, nr}, Title: "alert a"})
		reclaimed := claim(t, s, second.Add(testOptions.LeaseTTL))
		if len(reclaimed) != 1 {
			t.Fatalf("reclaimed %d groups, want 1", len(reclaimed))
		}
		complete(t, s, second.Add(testOptions.LeaseTTL), reclaimed[0], "n2")
		checkSummary(t, s, "reclaimed and flushed", inc, store.GroupSummary{Found: true, Members: 3, Firing: 3, Sources: []alert.Source{am, nr}, Title: "alert a"})

		tm := store.Timer{Group: team.Key, Receiver: "oncall", At: second.Add(15 * time.Minute)}
		if err := s.ScheduleTimer(t.Context(), tm); err != nil {
			t.Fatal(err)
		}
		timers, err := s.ClaimTimers(t.Context(), tm.At, 10)
		if err != nil || len(timers) != 1 {
			t.Fatalf("ClaimTimers = %+v, %v", timers, err)
		}
		if err := s.CompleteTimer(t.Context(), tm.At, timers[0], [][]byte{[]byte("page")}); err != nil {
			t.Fatal(err)
		}
		checkSummary(t, s, "escalated", inc, store.GroupSummary{Found: true, Members: 3, Firing: 3, Sources: []alert.Source{am, nr}, Escalated: []string{"oncall"}, Title: "alert a"})

		end := tm.At.Add(time.Minute)
		observe(t, s, end, in(sourced("a", am, resolved)), in(sourced("c", am, resolved)), in(sourced("d", nr, resolved)))
		checkSummary(t, s, "every member resolved", inc, store.GroupSummary{Found: true, Members: 3, Firing: 0, Sources: []alert.Source{am, nr}, Escalated: []string{"oncall"}, Title: "alert a"})
		last := end.Add(team.Interval)
		complete(t, s, last, claim(t, s, last)[0], "n3")
		checkSummary(t, s, "over", inc, store.GroupSummary{})

		// The group forms again: a new incident, and the old one stays over.
		again := last.Add(time.Hour)
		a := sourced("a", am, firing)
		a.StartsAt = again
		observe(t, s, again, in(a))
		next := incident.Incident{ID: incident.ID(team.Key, again), Group: team.Key}
		checkSummary(t, s, "formed again", next, store.GroupSummary{Found: true, Members: 1, Firing: 1, Sources: []alert.Source{am}, Title: "alert a"})
		checkSummary(t, s, "the old occurrence", inc, store.GroupSummary{})
	})
	t.Run("FlappingMembersAreCountedAsTheyChangeAndSettle", func(t *testing.T) {
		s := newStore(t, testOptions)
		inc := incident.Incident{ID: incident.ID(team.Key, t0), Group: team.Key}
		observe(t, s, t0, in(sourced("steady", cw, firing)))
		// new, resolved, new, resolved, flapping, then flap-suppressed
		// changes that only update the member (memory's touch).
		var at time.Time
		for i := range 8 {
			at = t0.Add(time.Duration(i) * time.Minute)
			status := firing
			if i%2 == 1 {
				status = resolved
			}
			a := sourced("flappy", am, status)
			a.StartsAt, a.EndsAt = at, time.Time{}
			if status == resolved {
				a.StartsAt, a.EndsAt = t0, at
			}
			observe(t, s, at, in(a))
			want := store.GroupSummary{Found: true, Members: 2, Firing: 1, Sources: []alert.Source{am, cw}, Title: "alert flappy"}
			if status == firing {
				want.Firing = 2
			}
			checkSummary(t, s, fmt.Sprintf("observation %d (%s)", i, status), inc, want)
		}
		// A flush meanwhile takes the resolved member out; settling brings
		// the alert's final state back into the group.
		flushed := at.Add(team.Interval)
		complete(t, s, flushed, claim(t, s, flushed)[0])
		checkSummary(t, s, "flushed while flapping", inc, store.GroupSummary{Found: true, Members: 1, Firing: 1, Sources: []alert.Source{cw}, Title: "alert steady"})
		if got := settle(t, s, flushed.Add(testOptions.Flap.Quiet)); len(got) != 1 {
			t.Fatalf("settled %v, want the flapping alert", got)
		}
		checkSummary(t, s, "settled", inc, store.GroupSummary{Found: true, Members: 2, Firing: 1, Sources: []alert.Source{am, cw}, Title: "alert flappy"})
	})
	t.Run("SummariesOfManyGroupsComeInOneCallInOrder", func(t *testing.T) {
		s := newStore(t, testOptions)
		var incs []incident.Incident
		var want []store.GroupSummary
		for i := range 25 {
			g := team
			g.Key = fmt.Sprintf("g-%02d", i)
			n := i%3 + 1
			var fire, resolve []store.Observation
			for j := range n {
				fp := fmt.Sprintf("%s-%d", g.Key, j)
				fire = append(fire, obs(sourced(fp, am, firing), g))
				if j == 1 {
					resolve = append(resolve, obs(sourced(fp, am, resolved), g))
				}
			}
			observe(t, s, t0, fire...)
			if len(resolve) > 0 {
				observe(t, s, t0.Add(time.Minute), resolve...)
			}
			incs = append(incs, incident.Incident{ID: incident.ID(g.Key, t0), Group: g.Key})
			want = append(want, store.GroupSummary{Found: true, Members: n, Firing: n - len(resolve), Sources: []alert.Source{am}, Title: "alert " + g.Key + "-0"})
		}
		// An unknown group, and an earlier occurrence of a known one.
		incs = append(incs, incident.Incident{ID: incident.ID("g-nope", t0), Group: "g-nope"}, incident.Incident{ID: incident.ID("g-03", t0.Add(-time.Hour)), Group: "g-03"})
		want = append(want, store.GroupSummary{}, store.GroupSummary{})
		got := summaries(t, s, incs...)
		for i := range incs {
			if !sameSummary(got[i], want[i]) {
				t.Errorf("summary %d (%s) = %+v, want %+v", i, incs[i].ID, got[i], want[i])
			}
		}
		if got := summaries(t, s); len(got) != 0 {
			t.Errorf("summaries of no incidents = %+v", got)
		}
	})
}
