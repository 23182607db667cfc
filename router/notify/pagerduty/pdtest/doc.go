// Package pdtest is a fake of the PagerDuty Events API v2 for tests: an
// httptest server that accepts POST /v2/enqueue, validates each event the
// way PagerDuty documents it (routing key, event action, dedup key,
// payload fields and their limits, links and images, the 512 KB size
// limit), answers 202 or 400 with PagerDuty's response bodies, and keeps
// the state of each alert (triggered, acknowledged, resolved) by dedup
// key, so a test can assert what the on-call person would see.
//
// Failures are injected with FailNext (a 429 with Retry-After, a 500) and
// unknown integrations with ValidRoutingKeys. The package serves the
// notifier's own tests, which reach it in memory through Client (so that
// they can run in a testing/synctest bubble), and the end-to-end tests of
// the whole binary, which reach it over the network.
package pdtest
