// Package pipeline is alertgate's engine, without HTTP: what happens to
// normalized alerts between the webhook and the provider.
//
//	Ingest:  alerts ─> rules.Match (route, group) ─> correlate ─> store.Observe (dedup, group)
//	Flush:   due groups ─> []Muter ─> build ─> enrich ─> outbox
//	Deliver: outbox ─> notify.Worker ─> PagerDuty | Slack | log
//
// An Engine runs the flusher and the outbox workers, records every
// incident's timeline, re-ingests recent alerts when the store loses its
// state, and carries out what people do to incidents (acknowledge,
// silence, resolve, announce). It is driven by the HTTP server in package
// router, by replay, and in tests directly, with the memory store and a
// clock the caller controls.
package pipeline
