// Package report turns what alertgate recorded into documents people use
// after the page: the weekly noise report (which alerts to delete or fix),
// the impact announcement (who is affected, what, since when, what next)
// and the postmortem draft (timeline of occurrence, detection, response
// and recovery, with MTTA and MTTR).
//
// Everything is computed from store data — incidents, their timelines and
// the daily counters — so the documents agree with what actually happened.
// Facts are filled in; what only people know is left as clear prompts.
package report
