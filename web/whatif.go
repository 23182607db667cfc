package web

import (
	"time"
)

// Trace sources the What-if page offers.
const (
	TraceUpload    = "upload"
	TraceRecording = "recording"
)

// WhatIfView is the What-if page: a proposed configuration replayed
// against a trace, beside the running one.
type WhatIfView struct {
	Form WhatIfForm
	// Recording says whether the server records its webhooks (serve
	// --record), which the page can replay instead of an upload.
	Recording bool
	// MaxUpload is the largest upload accepted, in bytes.
	MaxUpload int64
	Result    *Comparison
}

// WhatIfForm is what the form holds.
type WhatIfForm struct {
	Config string
	Trace  string
	Days   string
}

// Comparison is the replay of one trace through two configurations.
type Comparison struct {
	Records, Alerts, Rejected int
	From, To                  time.Time
	Rows                      []CompareRow
	// Pages are PagerDuty triggers: what wakes people up.
	PagesBefore, PagesAfter int
	SentBefore, SentAfter   int
	Chart                   Chart
}

// CompareRow is the notifications of one target and kind.
type CompareRow struct {
	Target, Kind          string
	Before, After, Change int
}

// FieldError is a problem with one field of a form.
type FieldError struct {
	Field, Msg string
}

// Error returns the message, which names the field.
func (e *FieldError) Error() string { return e.Msg }
