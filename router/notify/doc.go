// Package notify defines what alertgate delivers (Notification), to whom
// (Target), and the outbox worker that delivers it: claims entries from the
// durable outbox, hands them to the notifier for their target, and
// retries with backoff, honours Retry-After, or dead-letters them.
//
// Each provider lives in its own sub-package (pagerduty, slack) and knows
// only its own API. The Log notifier here writes notifications to the log,
// for dry runs and local trials.
package notify
