// Package llm writes the short incident summary a notification carries,
// using any OpenAI-compatible chat completions API (OpenAI, Azure OpenAI's
// v1 endpoint, a local model server).
//
// The summarizer is an optimization, never a dependency of a page: every
// call runs under a deadline, the per-minute budget and a concurrency
// limit, and every failure is returned as an error so the caller (the
// enrich package) sends its deterministic fallback summary instead.
// Summaries are cached in the store under a key derived from the
// incident's content, and concurrent identical requests are coalesced, so
// an alert storm of N duplicates costs at most one LLM call.
//
// Alert text is untrusted: the prompt fences it and labels it as data, and
// the model's answer goes through Sanitize, which removes Slack mentions,
// links the alert and runbook did not already contain, and control
// characters, and caps the length.
//
// The caller builds a Summarizer only when an LLM is configured; with no
// LLM the enrich package uses the fallback summary directly.
package llm
