package storetest

import (
	"testing"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/incident"
	"github.com/alertgate/alertgate/router/store"
)

var policy = incident.CorrelationPolicy{Window: 5 * time.Minute, Cooldown: 5 * time.Minute, MaxMembers: 3}

// RunCorrelation runs the suite for cross-source correlation.
func RunCorrelation(t *testing.T, newStore Factory) {
	req := func(fp, service string, firing bool, dependents ...string) store.CorrelateRequest {
		return store.CorrelateRequest{Fingerprint: alert.Fingerprint(fp), Service: service, Firing: firing, Dependents: dependents}
	}
	correlate := func(t *testing.T, s store.Store, now time.Time, reqs ...store.CorrelateRequest) []incident.Correlation {
		t.Helper()
		c, err := s.Correlate(t.Context(), now, policy, reqs)
		if err != nil || len(c) != len(reqs) {
			t.Fatalf("Correlate = %v, %v", c, err)
		}
		return c
	}
	t.Run("SameServiceJoinsOneIncident", func(t *testing.T) {
		s := newStore(t, testOptions)
		c := correlate(t, s, t0, req("prom-1", "api", true), req("cw-alb", "api", true), req("web-1", "web", true))
		if c[0].Reason != incident.JoinNew || c[1].Key != c[0].Key || c[1].Reason != incident.JoinSame || c[2].Key == c[0].Key {
			t.Errorf("correlations = %+v, want api alerts in one incident and web in another", c)
		}
		later := correlate(t, s, t0.Add(time.Hour), req("nr-issue", "api", true), req("prom-1", "api", true))
		if later[0].Key != c[0].Key || later[1].Key != c[0].Key || later[1].Reason != incident.JoinMember {
			t.Errorf("while open = %+v, want the same incident", later)
		}
	})
	t.Run("ResolvesWithItsLastMemberAndReopensWithinTheCooldown", func(t *testing.T) {
		s := newStore(t, testOptions)
		first := correlate(t, s, t0, req("a", "api", true), req("b", "api", true))[0].Key
		correlate(t, s, t0.Add(time.Minute), req("a", "api", false), req("b", "api", false))
		re := correlate(t, s, t0.Add(5*time.Minute), req("c", "api", true))[0]
		if re.Key != first || re.Reason != incident.JoinReopened {
			t.Errorf("inside the cool-down = %+v, want %s reopened", re, first)
		}
		correlate(t, s, t0.Add(6*time.Minute), req("c", "api", false))
		fresh := correlate(t, s, t0.Add(20*time.Minute), req("d", "api", true))[0]
		if fresh.Key == first || fresh.Reason != incident.JoinNew {
			t.Errorf("after the cool-down = %+v, want a new incident", fresh)
		}
	})
	t.Run("DependencyJoinsTheDependentsOpenIncident", func(t *testing.T) {
		s := newStore(t, testOptions)
		api := correlate(t, s, t0, req("api-5xx", "api", true))[0].Key
		db := correlate(t, s, t0.Add(2*time.Minute), req("aurora-cpu", "aurora-main", true, "api"))[0]
		if db.Key != api || db.Service != "api" || db.Reason != incident.JoinDependency+"api" {
			t.Errorf("dependency during the incident = %+v, want it in %s", db, api)
		}
		late := correlate(t, s, t0.Add(30*time.Minute), req("aurora-replica-lag", "aurora-main", true, "api"))[0]
		if late.Key == api {
			t.Errorf("a dependency alert long after the last join was pulled in: %+v", late)
		}
		if back := correlate(t, s, t0.Add(31*time.Minute), req("aurora-cpu", "aurora-main", false))[0]; back.Key != api {
			t.Errorf("the member's resolve = %+v, want its incident %s", back, api)
		}
	})
	t.Run("AnIncidentPastItsMaxAgeLeavesNewAlertsToANewOne", func(t *testing.T) {
		s := newStore(t, testOptions)
		p := policy
		p.MaxAge = 6 * time.Hour
		old, err := s.Correlate(t.Context(), t0, p, []store.CorrelateRequest{req("pv-filling", "kafka", true), req("api-5xx", "api", true)})
		if err != nil {
			t.Fatal(err)
		}
		young, err := s.Correlate(t.Context(), t0.Add(5*time.Hour), p, []store.CorrelateRequest{req("pv-2", "kafka", true)})
		if err != nil || young[0].Key != old[0].Key {
			t.Fatalf("before the max age = %+v, %v; want it in %s", young, err, old[0].Key)
		}
		// The api incident keeps growing (its last join stays recent).
		if _, err := s.Correlate(t.Context(), t0.Add(7*time.Hour-time.Minute), p, []store.CorrelateRequest{req("api-5xx-2", "api", true)}); err != nil {
			t.Fatal(err)
		}
		lag, err := s.Correlate(t.Context(), t0.Add(7*time.Hour), p, []store.CorrelateRequest{
			req("consumer-lag", "kafka", true), req("pv-filling", "kafka", true), req("aurora-cpu", "aurora-main", true, "api"),
		})
		if err != nil {
			t.Fatal(err)
		}
		if lag[0].Key == old[0].Key || lag[0].Reason != incident.JoinAged {
			t.Errorf("a new alert past the max age = %+v, want a new incident", lag[0])
		}
		if lag[1].Key != old[0].Key || lag[1].Reason != incident.JoinMember {
			t.Errorf("a member of the old incident = %+v, want it kept in %s", lag[1], old[0].Key)
		}
		if lag[2].Key == old[1].Key {
			t.Errorf("a dependency joined an incident past its max age: %+v", lag[2])
		}
	})
	t.Run("AFullIncidentOverflowsIntoANewOne", func(t *testing.T) {
		s := newStore(t, testOptions)
		c := correlate(t, s, t0, req("a", "api", true), req("b", "api", true), req("c", "api", true), req("d", "api", true))
		if c[2].Key != c[0].Key || c[3].Key == c[0].Key || c[3].Reason != incident.JoinOverflow {
			t.Errorf("correlations = %+v, want the fourth alert in a new incident", c)
		}
	})
}
