// Package store persists the state alertgate keeps between webhooks: what
// each alert's fingerprint has done (for deduplication and flap
// detection), the notification groups waiting to be flushed, the outbox
// of notifications waiting to be delivered, silences, incidents and their
// timelines, chat threads, a small cache and at-most-once marks for
// people's actions.
//
// Store is the whole of what a backend implements, split per concern
// (Core, Outbox, Silences, Incidents, Threads, Cache, Marks) so that a consumer
// asks only for the concern it needs. Two implementations share one
// conformance suite (storetest): memory, the embedded default for a
// single replica, and redis, which lets several replicas behave as one.
// The records themselves live in package incident; the deduplication
// rules in router/dedup, which the Redis store's Lua scripts mirror.
package store
