// Package cloudwatch receives Amazon CloudWatch alarm state changes that
// Amazon SNS delivers over HTTP(S), and normalizes them into alert.Alert.
//
// Every SNS message is authenticated before its content is looked at: the
// signing certificate is fetched only from an sns.<region>.amazonaws.com
// host over TLS (the TLS connection to AWS is what vouches for the
// certificate), the RSA signature over SNS's canonical string is checked,
// and the topic must be on the operator's allow-list. Subscription
// confirmations are confirmed automatically when configured, otherwise left
// to the operator; INSUFFICIENT_DATA transitions are acknowledged without
// producing an alert; and a plain-text publish to the topic becomes a firing
// alert, so nothing sent to an alerting topic is silently dropped.
//
// Errors the sender caused are *source.Error (400 or 403). Trouble reaching
// AWS wraps ErrUpstream, so the router can answer 503 and SNS retries.
package cloudwatch
