// Package incident holds the records everyone reads: incidents and their
// timelines, notification groups and their members, silences, chat
// threads, correlation results and the daily counters of the noise report.
//
// The records are plain data. The state store (router/store) persists
// them, the pipeline (router/pipeline) writes them, and the rules,
// enrichment, reports and notifiers read them; none of those needs the
// persistence package to do so.
package incident
