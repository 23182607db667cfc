// Package newrelic turns New Relic alert webhooks into canonical alerts.
//
// Two generations of New Relic webhooks are accepted and told apart by
// their fields: workflow notifications rendered by the default webhook
// payload template (state, issueUrl, alertConditionNames, ...) and the
// legacy alert-channel webhook (current_state, incident_id, targets, ...).
// Each request describes one issue or incident and becomes one alert whose
// fingerprint is derived from the issue or incident id, so an issue keeps
// its fingerprint from CREATED through ACTIVATED and ACKNOWLEDGED to
// CLOSED. Users edit workflow templates freely, so every field is read
// liberally: numbers and booleans may arrive as strings, lists as a single
// string, times as epoch milliseconds or RFC 3339. Only a request whose
// state or identity cannot be understood is rejected, with a
// *source.Error naming the field.
package newrelic
