// Package rules decides who hears about an alert, when, and how loudly:
// the route tree (Alertmanager's own semantics, evaluated by Alertmanager's
// dispatch package), grouping, and the receivers routes name.
//
// Rules is immutable once built; a configuration reload builds a new one
// and swaps it in, so a bad configuration never replaces a good one.
package rules
