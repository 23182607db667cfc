// Package store defines the state alertgate keeps between webhooks: what
// each alert's fingerprint has done (for deduplication and flap detection),
// the notification groups waiting to be flushed, and the outbox of
// notifications waiting to be delivered.
//
// Two implementations share these types and one conformance suite
// (storetest): memory, the embedded default for a single replica, and
// redis, which lets several replicas behave as one. The decision logic
// lives here in Go (Decide) and is mirrored by the Redis implementation's
// Lua scripts; the conformance suite keeps the two honest.
package store
