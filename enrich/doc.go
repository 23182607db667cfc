// Package enrich adds what the person reading a notification needs to act
// on it: the matching runbook, a short summary, and who is on call. Every
// step runs under a deadline and has a deterministic fallback, so
// enrichment can never delay or endanger a page.
package enrich
