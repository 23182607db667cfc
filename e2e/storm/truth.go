package storm

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"
)

// Truth is what really happened on the generated day: the incidents a
// person had to hear about, and the alerts nobody should hear about.
type Truth struct {
	// Seed and Day say how the trace was generated.
	Seed int64     `json:"seed"`
	Day  time.Time `json:"day"`
	// Incidents are the real incidents of the day.
	Incidents []Incident `json:"incidents"`
	// Explained are alerts another alert explains (the pods and targets
	// of a failed node): once their cause fires they must not sound on
	// their own.
	Explained []Explained `json:"explained"`
}

// Explained is an alert explained by a real incident.
type Explained struct {
	Alert Labels `json:"alert"`
	// Cause is the ID of the incident that explains it.
	Cause string `json:"cause"`
}

// Page says whether an incident must wake someone.
type Page string

// Paging expectations.
const (
	// PageMust: a page (PagerDuty trigger) is expected.
	PageMust Page = "must"
	// PageNever: a page would be wrong (a known batch job, a warning at
	// night).
	PageNever Page = "never"
	// PageAny: either is fine (a critical alert in business hours pages
	// only if nobody acknowledges it in time).
	PageAny Page = "any"
)

// Incident is one real incident: a problem someone had to be told about.
type Incident struct {
	ID       string    `json:"id"`
	Title    string    `json:"title"`
	Severity string    `json:"severity"`
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
	Page     Page      `json:"page"`
	// Alerts identify the incident's alerts: an alert belongs to it when
	// its labels contain every label of one of these sets.
	Alerts []Labels `json:"alerts"`
}

// Labels is a set of labels; as a matcher, an alert matches when its
// labels contain all of them.
type Labels map[string]string

// Matches reports whether ls contains every label of l.
func (l Labels) Matches(ls map[string]string) bool {
	for k, v := range l {
		if ls[k] != v {
			return false
		}
	}
	return true
}

// matchesAny reports whether ls matches one of sets.
func matchesAny(sets []Labels, ls map[string]string) bool {
	for _, s := range sets {
		if s.Matches(ls) {
			return true
		}
	}
	return false
}

// ReadTruth reads a truth file.
func ReadTruth(path string) (*Truth, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var t Truth
	if err := json.Unmarshal(b, &t); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &t, nil
}

// WriteJSON writes t as indented JSON.
func (t *Truth) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(t)
}
