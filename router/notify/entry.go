package notify

import "time"

// Entry is one notification in the outbox.
type Entry struct {
	// ID identifies the entry in the outbox.
	ID string `json:"id"`
	// Payload is the encoded notification; the store does not look inside.
	Payload []byte `json:"payload"`
	// Attempts counts delivery attempts so far.
	Attempts int `json:"attempts"`
	// Enqueued is when the notification first entered the outbox.
	Enqueued time.Time `json:"enqueued"`
	// LastError is the error of the last failed attempt.
	LastError string `json:"lastError,omitempty"`
}

// DeadLetter is an entry that failed permanently.
type DeadLetter struct {
	Entry
	// Reason is the permanent error.
	Reason string `json:"reason"`
	// At is when it was given up.
	At time.Time `json:"at"`
}

// MaxDeadLetters bounds the dead-letter list; the oldest are dropped from
// the list (they stay in logs and metrics).
const MaxDeadLetters = 1000
