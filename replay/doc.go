// Package replay records the webhooks alertgate receives and plays them
// back through a configuration with a simulated clock, so a team can see
// what a rule change would have done to last week's pages before
// deploying it.
//
// A trace is JSON Lines, one accepted webhook per line:
//
//	{"at":"2026-01-13T02:10:00Z","source":"alertmanager","body":{...}}
//
// `alertgate serve --record FILE` writes one; `alertgate replay --config F
// FILE` reads it.
package replay
