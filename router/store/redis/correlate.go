package redis

import (
	"context"
	"fmt"
	"time"

	"github.com/alertgate/alertgate/incident"
	"github.com/alertgate/alertgate/router/store"
)

// Correlate places every alert of a batch in its service's incident, in
// one script call, atomic with respect to every other replica's calls.
// Concurrent calls share script calls (see batcher).
func (s *Store) Correlate(ctx context.Context, now time.Time, p incident.CorrelationPolicy, reqs []store.CorrelateRequest) ([]incident.Correlation, error) {
	if len(reqs) == 0 {
		return []incident.Correlation{}, ctx.Err()
	}
	out, err := s.correlator.do(ctx, correlateCall{now: now, policy: p, reqs: reqs})
	if err != nil {
		return nil, fmt.Errorf("redis correlate: %w", err)
	}
	return out, nil
}

// correlateCall is one Correlate call's part of a batch.
type correlateCall struct {
	now    time.Time
	policy incident.CorrelationPolicy
	reqs   []store.CorrelateRequest
}

func newCorrelator(s *Store) *batcher[correlateCall, []incident.Correlation] {
	return &batcher[correlateCall, []incident.Correlation]{
		run:       s.correlate,
		size:      func(c correlateCall) int { return len(c.reqs) },
		maxSize:   maxBatchAlerts,
		maxFlying: maxFlyingBatches,
	}
}

// correlate runs correlate.lua on the calls of one batch.
func (s *Store) correlate(ctx context.Context, calls []correlateCall) ([][]incident.Correlation, error) {
	res, err := s.scripts.correlate.Run(ctx, s.client, []string{s.keys.corrService(calls[0].reqs[0].Service)},
		s.correlateArgs(calls)...).Slice()
	if err != nil {
		return nil, err
	}
	out := make([][]incident.Correlation, len(calls))
	for i, c := range calls {
		n := 3 * len(c.reqs)
		if len(res) < n {
			return nil, fmt.Errorf("reply has %d values left for %d requests", len(res), len(c.reqs))
		}
		if out[i], err = correlations(res[:n], len(c.reqs)); err != nil {
			return nil, err
		}
		res = res[n:]
	}
	return out, nil
}

// correlateArgs lays out ARGV as correlate.lua reads it. The key a new
// incident would get is computed here for every request, used or not:
// it is a SHA-256 hash, which Redis's Lua cannot compute.
func (s *Store) correlateArgs(calls []correlateCall) []any {
	args := make([]any, 0, 3+9*len(calls))
	args = append(args, s.keys.base, s.opts.Retention.Milliseconds(), s.pointerRefresh().Milliseconds())
	for _, c := range calls {
		p := c.policy
		args = append(args, ms(c.now), p.Window.Milliseconds(), p.Cooldown.Milliseconds(), p.MaxMembers, p.MaxAge.Milliseconds(), len(c.reqs))
		for _, r := range c.reqs {
			firing := 0
			if r.Firing {
				firing = 1
			}
			args = append(args, string(r.Fingerprint), firing, r.Service,
				incident.CorrelatedKey(r.Service, c.now, r.Fingerprint), len(r.Dependents))
			for _, d := range r.Dependents {
				args = append(args, d)
			}
		}
	}
	return args
}

// pointerRefresh is how often correlate.lua refreshes the TTLs of an
// incident's member pointers (see refresh there): an eighth of the
// retention period, at most an hour. Each pointer lives that much longer
// than the retention period.
func (s *Store) pointerRefresh() time.Duration {
	return min(s.opts.Retention/8, time.Hour)
}

// reason turns an outcome of correlate.lua into its store.Join* reason.
// For a dependency it needs the incident's service: the script found the
// incident through the dependent's own pointer, and a service's pointer
// only ever names an incident of that service, so that service is the
// dependent memory names in its reason.
func reason(outcome, service string) (string, error) {
	switch outcome {
	case "new":
		return incident.JoinNew, nil
	case "same":
		return incident.JoinSame, nil
	case "reopened":
		return incident.JoinReopened, nil
	case "dependency":
		return incident.JoinDependency + service, nil
	case "overflow":
		return incident.JoinOverflow, nil
	case "aged":
		return incident.JoinAged, nil
	case "member":
		return incident.JoinMember, nil
	}
	return "", fmt.Errorf("unexpected outcome %q", outcome)
}

// correlations decodes correlate.lua's reply: key, service, outcome per
// request.
func correlations(res []any, n int) ([]incident.Correlation, error) {
	if len(res) != 3*n {
		return nil, fmt.Errorf("reply has %d values for %d requests", len(res), n)
	}
	out := make([]incident.Correlation, n)
	for i := range out {
		r := newReply(res[3*i : 3*i+3])
		out[i] = incident.Correlation{Key: r.str(0), Service: r.str(1)}
		outcome := r.str(2)
		if r.err != nil {
			return nil, r.err
		}
		var err error
		if out[i].Reason, err = reason(outcome, out[i].Service); err != nil {
			return nil, err
		}
	}
	return out, nil
}
