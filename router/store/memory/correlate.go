package memory

import (
	"context"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/incident"
	"github.com/alertgate/alertgate/router/store"
)

// corrIncident is one correlated incident.
type corrIncident struct {
	key        string
	service    string
	opened     time.Time
	lastJoin   time.Time
	resolvedAt time.Time // zero while open
	members    map[alert.Fingerprint]struct{}
}

// Correlate places every alert of a batch in its service's incident, as
// one atomic step.
func (s *Store) Correlate(ctx context.Context, now time.Time, p incident.CorrelationPolicy, reqs []store.CorrelateRequest) ([]incident.Correlation, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]incident.Correlation, len(reqs))
	for i := range reqs {
		out[i] = s.correlate(now, p, &reqs[i])
	}
	return out, nil
}

func (s *Store) correlate(now time.Time, p incident.CorrelationPolicy, r *store.CorrelateRequest) incident.Correlation {
	if inc := s.corrByFP[r.Fingerprint]; inc != nil {
		if _, ok := inc.members[r.Fingerprint]; ok {
			if !r.Firing {
				s.leave(inc, r.Fingerprint, now)
			}
			return incident.Correlation{Key: inc.key, Service: inc.service, Reason: incident.JoinMember}
		}
	}
	cur := s.corrByService[r.Service]
	if !r.Firing {
		if cur != nil {
			return incident.Correlation{Key: cur.key, Service: cur.service, Reason: incident.JoinSame}
		}
		return incident.Correlation{Key: incident.CorrelatedKey(r.Service, now, r.Fingerprint), Service: r.Service, Reason: incident.JoinNew}
	}
	reason := incident.JoinNew
	switch {
	case cur != nil && len(cur.members) >= p.MaxMembers:
		reason = incident.JoinOverflow
	case cur != nil && cur.resolvedAt.IsZero() && p.MaxAge > 0 && now.Sub(cur.opened) >= p.MaxAge:
		reason = incident.JoinAged
	case cur != nil && cur.resolvedAt.IsZero():
		return s.joinIncident(cur, r.Fingerprint, now, incident.JoinSame)
	case cur != nil && now.Sub(cur.resolvedAt) <= p.Cooldown:
		cur.resolvedAt = time.Time{}
		return s.joinIncident(cur, r.Fingerprint, now, incident.JoinReopened)
	}
	for _, dep := range r.Dependents {
		if d := s.corrByService[dep]; d != nil && d.resolvedAt.IsZero() && now.Sub(d.lastJoin) <= p.Window && len(d.members) < p.MaxMembers && (p.MaxAge <= 0 || now.Sub(d.opened) < p.MaxAge) {
			return s.joinIncident(d, r.Fingerprint, now, incident.JoinDependency+dep)
		}
	}
	inc := &corrIncident{key: incident.CorrelatedKey(r.Service, now, r.Fingerprint), service: r.Service, opened: now, members: map[alert.Fingerprint]struct{}{}}
	s.corrByService[r.Service] = inc
	return s.joinIncident(inc, r.Fingerprint, now, reason)
}

func (s *Store) joinIncident(inc *corrIncident, fp alert.Fingerprint, now time.Time, reason string) incident.Correlation {
	inc.members[fp] = struct{}{}
	inc.lastJoin = now
	s.corrByFP[fp] = inc
	return incident.Correlation{Key: inc.key, Service: inc.service, Reason: reason}
}

// leave removes a resolved member; the incident resolves with its last.
func (s *Store) leave(inc *corrIncident, fp alert.Fingerprint, now time.Time) {
	delete(inc.members, fp)
	if len(inc.members) == 0 {
		inc.resolvedAt = now
	}
}
