// Package replay records the webhooks alertgate receives and plays them
// back through a configuration with a simulated clock, so a team can see
// what a rule change would have done to last week's pages before
// deploying it.
//
// A trace is JSON Lines, one accepted webhook per line:
//
//	{"at":"2026-01-13T02:10:00Z","source":"alertmanager","body":{...}}
//
// `alertgate serve --record FILE` writes one; `alertgate replay --config F
// FILE` reads it, one line at a time (a small reorder window puts a trace
// recorded by two replicas back in order), so a replay's memory does not
// grow with the trace's length.
//
// A replay is faithful: the gate reads the simulated clock everywhere
// (rate limits included, so nothing is refused that the live server
// accepted at that time; what is refused is listed with the reason), and
// its notifiers rehearse: each works out the provider calls the real one
// would make (receiver.Rehearse), which Run reports as Calls.
//
// # The JSON format
//
// `alertgate replay --format json` prints one Call per line, one per
// provider call that would be made. The format is stable: fields may be
// added, never renamed or removed.
//
//	at        RFC 3339 time of the call (simulated)
//	receiver  the configured receiver
//	target    the integration: pagerduty, slack or log
//	effect    page, page_update, page_ack, page_resolve, post, reply, edit, log
//	incident  the incident's ID, as the console and `alertgate postmortem`
//	          accept it (empty for a chronic digest, which is about many)
//	kind      the notification: trigger, update, repeat, resolve,
//	          acknowledge, announce, digest, escalated, chronic
//	severity  critical, warning or info
//	title     the incident's one-line description
//	members   its alerts: fingerprint, source, source_id (Alertmanager's
//	          fingerprint, the CloudWatch AlarmArn, the New Relic issue
//	          id), alertname, status
//	sound     true for a page, a post or a reply: what reaches people
package replay
