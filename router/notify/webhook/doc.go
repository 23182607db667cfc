// Package webhook delivers notifications to any HTTP endpoint as
// Alertmanager's webhook payload, version 4 (the same JSON Alertmanager's
// webhook_configs send, with groupKey, truncatedAlerts and routeLabels),
// so that every consumer written for Alertmanager works unchanged. Each
// notification of an incident is one POST; resolutions are sent unless
// send_resolved is false. A body can be signed (X-Alertgate-Signature,
// HMAC-SHA256 over "<unix time>.<body>") so the consumer can tell it came
// from alertgate, and carry a bearer token.
//
// Answers are classified for the outbox: 2xx accepted, 429 waits for
// Retry-After, 408 and 5xx retried, other 4xx permanent. The URL is a
// secret and never appears in errors or logs.
package webhook
