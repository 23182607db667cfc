package incident

// Reason says why an observation of an alert notified or not. Reasons
// are stable strings: they appear in logs, metrics and the timeline, and
// a group member carries the reason of its last notifying observation.
type Reason string

// Reasons for notifying.
const (
	ReasonNew         Reason = "new"          // first firing, or firing again after a resolve
	ReasonRepeat      Reason = "repeat"       // still firing after the repeat interval
	ReasonResolved    Reason = "resolved"     // resolved after a notified firing
	ReasonFlapping    Reason = "flapping"     // started flapping: one notification, then quiet
	ReasonFlapSettled Reason = "flap-settled" // stable again after flapping: final state
	ReasonDegraded    Reason = "degraded"     // the store is unreachable: notify without dedup
)

// Reasons for staying quiet.
const (
	ReasonDuplicate      Reason = "duplicate"       // HA twin or re-send inside the repeat interval
	ReasonStale          Reason = "stale"           // a late report of an episode already resolved
	ReasonFlapSuppressed Reason = "flap-suppressed" // a transition while flapping
	ReasonResolveHeld    Reason = "resolve-held"    // a resolve soon after firing, held to see whether it lasts
	ReasonUnnotified     Reason = "unnotified"      // resolved before anyone was notified
)
