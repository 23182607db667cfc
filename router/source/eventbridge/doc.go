// Package eventbridge receives Amazon EventBridge events through an API
// destination: the "CloudWatch Alarm State Change" events of metric,
// metric math, anomaly detection and composite alarms become the same
// alerts the SNS path (package cloudwatch) makes of those alarms — the
// same labels, the same fingerprint per alarm ARN — so an alarm routed
// both ways is one alert, deduplicated like an Alertmanager HA twin.
// Events of any other detail-type are answered 2xx with no alert:
// EventBridge retries on errors, and a rule that matches a little more
// than alarms must not fill its dead-letter queue.
//
// An API destination cannot sign its requests with AWS credentials; its
// connection sends an API key header, so the endpoint authenticates with
// the source's bearer token (connection header Authorization, value
// "Bearer <token>") or an X-Alertgate-Signature from a signing proxy.
package eventbridge
