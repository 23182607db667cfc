// Package cloudwatch receives Amazon CloudWatch alarm state changes that
// Amazon SNS delivers over HTTP(S), and normalizes them into alert.Alert.
//
// Every SNS message is authenticated before its content is looked at: the
// topic must be on the operator's allow-list (checked before anything is
// fetched), the signing certificate is fetched only from the SNS endpoint
// of a region over TLS, must chain to a trusted root and be issued for
// sns.amazonaws.com, and the RSA signature over SNS's canonical string is
// checked. Subscription
// confirmations are confirmed automatically when configured, otherwise left
// to the operator; INSUFFICIENT_DATA transitions are acknowledged without
// producing an alert; and a plain-text publish to the topic becomes a firing
// alert, so nothing sent to an alerting topic is silently dropped.
//
// Errors the sender caused are *source.Error (400 or 403). Trouble reaching
// AWS wraps ErrUpstream, so the router can answer 503 and SNS retries.
package cloudwatch
