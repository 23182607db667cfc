package notify

import (
	"errors"
	"fmt"
	"time"
)

// Error classifies a delivery failure for the outbox worker. Notifiers
// return it to say whether retrying can help and how long to wait; any
// other error counts as transient (a network error, say) and is retried
// with backoff.
type Error struct {
	Err error
	// Permanent means retrying cannot help (a 400 for a bad payload, an
	// unknown channel): the entry goes to the dead-letter list.
	Permanent bool
	// RetryAfter is the provider's requested wait (HTTP 429 Retry-After,
	// Slack's ratelimited); zero means use backoff.
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	switch {
	case e.Permanent:
		return fmt.Sprintf("permanent: %v", e.Err)
	case e.RetryAfter > 0:
		return fmt.Sprintf("%v (retry after %s)", e.Err, e.RetryAfter)
	}
	return e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// ErrPaced is the cause of a RetryAfter a notifier returns when its own
// pacing (Slack's one message a second per channel, PagerDuty's events per
// routing key) says to wait: not a failure, just not yet.
var ErrPaced = errors.New("paced: the target's send rate is spent")

// Paced asks the worker to try again after d without counting a failure.
func Paced(d time.Duration) error { return &Error{Err: ErrPaced, RetryAfter: d} }

// Permanent marks err as not worth retrying.
func Permanent(err error) error { return &Error{Err: err, Permanent: true} }

// RetryAfter marks err as transient with a provider-requested wait.
func RetryAfter(err error, d time.Duration) error { return &Error{Err: err, RetryAfter: d} }

// classify returns whether err is permanent and the wait it asks for.
func classify(err error) (permanent bool, after time.Duration) {
	var e *Error
	if errors.As(err, &e) {
		return e.Permanent, e.RetryAfter
	}
	return false, 0
}
