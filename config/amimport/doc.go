// Package amimport converts a whole Prometheus Alertmanager configuration
// into an alertgate configuration: global settings, the route tree
// (labels and every matcher form), inhibit rules, time intervals (both
// top-level keys), template files and the receivers' PagerDuty, Slack,
// webhook, email, Microsoft Teams and Opsgenie configurations. What
// alertgate cannot carry over is named in a comment where it was, with
// the reason, and in Result.Dropped. Secrets are never copied: each
// becomes a ${VAR} reference, listed in Result.Env with where it came
// from, so the output can be committed and the values set in the
// environment.
//
// The input is first loaded by Alertmanager's own config package, so
// only configurations Alertmanager accepts are converted; the output is
// built from the YAML document itself, so only what the user wrote is
// carried over, not Alertmanager's defaults.
package amimport
