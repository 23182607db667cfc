// Package pagerduty delivers notifications to PagerDuty through the Events
// API v2: one event per notification, with the incident key as the
// dedup_key, so that trigger, update, acknowledge and resolve of one
// alertgate incident all land on the same PagerDuty alert.
//
// The notifier builds the event (summary, source, severity, custom details
// with the runbook, summary and on-call, links back to the sources) within
// PagerDuty's documented limits, paces events per routing key below
// PagerDuty's per-integration rate limit, and classifies PagerDuty's
// answers for the outbox worker: 400 is permanent, 429 asks for a wait,
// 5xx and network errors are retried. Routing keys are looked up per
// receiver at send time and never appear in logs or errors.
//
// The wire types are go-pagerduty's V2Event and V2Payload; the HTTP
// exchange is done here rather than with go-pagerduty's Client, whose
// ManageEventWithContext drops the Retry-After header and parses Events
// API error bodies as REST API errors, losing PagerDuty's error list.
package pagerduty
