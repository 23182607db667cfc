// Package opsgenie delivers notifications to Opsgenie with the Alert API
// v2. One alertgate incident is one Opsgenie alert: its alias is the
// incident ID, so a trigger creates it, updates and repeats are
// deduplicated onto it (with a note saying what changed), an
// acknowledgement acknowledges it and a resolution closes it.
//
// Fields are kept within Opsgenie's documented limits (message 130
// characters, alias 512, description 15,000, 20 tags of 50, details
// 8,000 in all). Answers are classified for the outbox: 2xx accepted
// (Opsgenie processes requests asynchronously and answers 202), 429
// waits, 5xx retried, other 4xx (a bad key, a bad request) permanent.
// API keys never appear in errors or logs.
package opsgenie
