// Package alert defines alertgate's canonical alert model.
//
// Every source (Alertmanager, CloudWatch via SNS, New Relic) is normalized
// into an Alert before anything else looks at it, so deduplication, routing,
// enrichment and delivery are written once against one type. The package is
// a leaf: it imports only the standard library, so every other package can
// depend on it.
package alert
