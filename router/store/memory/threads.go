package memory

import (
	"context"
	"time"

	"github.com/alertgate/alertgate/incident"
)

// Thread returns the thread of an incident at a target, if any.
func (s *Store) Thread(ctx context.Context, occurrence, target string) (incident.Thread, bool, error) {
	s.threadsMu.Lock()
	defer s.threadsMu.Unlock()
	th, ok := s.threads[occurrence+"\x00"+target]
	return th.Thread, ok, ctx.Err()
}

// SetThread records the thread of an incident at a target.
func (s *Store) SetThread(ctx context.Context, now time.Time, occurrence, target string, th incident.Thread) error {
	s.threadsMu.Lock()
	defer s.threadsMu.Unlock()
	s.threads[occurrence+"\x00"+target] = thread{th, now}
	return ctx.Err()
}

// Advance records that notification seq of an incident is being applied
// at a target, and reports false if a newer one already was: an old
// notification retried late must not undo a newer one (a trigger
// reopening a resolved incident). Seq 0 is unordered and always applies.
func (s *Store) Advance(ctx context.Context, now time.Time, occurrence, target string, seq int64) (bool, error) {
	if seq == 0 {
		return true, ctx.Err()
	}
	s.threadsMu.Lock()
	defer s.threadsMu.Unlock()
	k := occurrence + "\x00" + target
	if seq < s.seqs[k].seq {
		return false, ctx.Err()
	}
	s.seqs[k] = seqAt{seq, now}
	return true, ctx.Err()
}

// thread and seqAt remember when they were written, for expiry.
type thread struct {
	incident.Thread
	at time.Time
}

type seqAt struct {
	seq int64
	at  time.Time
}

// gcThreads forgets threads and sequence numbers older than the incident
// retention.
func (s *Store) gcThreads(now time.Time) {
	s.threadsMu.Lock()
	defer s.threadsMu.Unlock()
	for k, th := range s.threads {
		if now.Sub(th.at) > s.opts.IncidentRetention {
			delete(s.threads, k)
		}
	}
	for k, sq := range s.seqs {
		if now.Sub(sq.at) > s.opts.IncidentRetention {
			delete(s.seqs, k)
		}
	}
}
