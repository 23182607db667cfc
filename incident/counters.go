package incident

import "time"

// Counters are named counts for one day, for the noise report:
// "received:<source>", "alertname:<name>", "sent:<target type>", ...
type Counters map[string]int64

// Day names the UTC day of t, the key of daily counters.
func Day(t time.Time) string { return t.UTC().Format(time.DateOnly) }
