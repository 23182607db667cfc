package report

import (
	"cmp"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/alertgate/alertgate/incident"
)

// IncidentRecord is an incident with its timeline.
type IncidentRecord struct {
	Incident incident.Incident
	Events   []incident.Event
}

// Input is what a noise report is computed from.
type Input struct {
	Since, Until time.Time
	// Counters are the daily counters of the days in range.
	Counters map[string]incident.Counters
	// Incidents are the incidents opened in range.
	Incidents []IncidentRecord
	// BusinessHours tells working hours from the rest.
	BusinessHours func(time.Time) bool
}

// Noise is the weekly noise report: what the team reviews to delete or
// fix alerts.
type Noise struct {
	Since                 time.Time        `json:"since"`
	Until                 time.Time        `json:"until"`
	Received              int64            `json:"received"`
	ReceivedBySource      map[string]int64 `json:"receivedBySource"`
	Notifications         int64            `json:"notifications"`
	NotificationsByTarget map[string]int64 `json:"notificationsByTarget"`
	// Compression is received alerts per notification sent.
	Compression float64 `json:"compression"`
	// Reduction is the share of received alerts that caused no
	// notification.
	Reduction   float64     `json:"reduction"`
	Incidents   int         `json:"incidents"`
	Noisiest    []NameStats `json:"noisiest"`
	OutOfHours  []Page      `json:"pagesOutOfHours"`
	Flapping    []NameCount `json:"flapping"`
	NeverAcked  []Ref       `json:"neverAcknowledged"`
	NoRunbook   []NameCount `json:"withoutRunbook"`
	ByService   []Service   `json:"byService"`
	OverallMTTA Minutes     `json:"mtta"`
	OverallMTTR Minutes     `json:"mttr"`
}

// NameStats is how noisy one alert name was.
type NameStats struct {
	Name         string `json:"name"`
	Received     int64  `json:"received"`
	Incidents    int    `json:"incidents"`
	Acked        int    `json:"acked"`
	AutoResolved int    `json:"autoResolved"`
}

// NameCount counts something per alert name.
type NameCount struct {
	Name  string `json:"name"`
	Count int64  `json:"count"`
}

// Page is one page sent outside business hours.
type Page struct {
	Incident string    `json:"incident"`
	At       time.Time `json:"at"`
	Title    string    `json:"title"`
	Severity string    `json:"severity"`
}

// Ref names an incident.
type Ref struct {
	Incident string    `json:"incident"`
	Opened   time.Time `json:"opened"`
	Title    string    `json:"title"`
}

// Service is the response times for one service.
type Service struct {
	Service   string  `json:"service"`
	Incidents int     `json:"incidents"`
	MTTA      Minutes `json:"mtta"`
	MTTR      Minutes `json:"mttr"`
}

// Minutes is a duration reported in minutes.
type Minutes float64

func minutes(d time.Duration) Minutes { return Minutes(d.Minutes()) }

// Build computes the noise report.
func Build(in Input) Noise {
	n := Noise{Since: in.Since, Until: in.Until, ReceivedBySource: map[string]int64{}, NotificationsByTarget: map[string]int64{}, Incidents: len(in.Incidents)}
	names, flapping := map[string]*NameStats{}, map[string]int64{}
	for _, c := range in.Counters {
		for k, v := range c {
			kind, name, _ := strings.Cut(k, ":")
			switch kind {
			case "received":
				n.ReceivedBySource[name] += v
				n.Received += v
			case "sent":
				n.NotificationsByTarget[name] += v
				n.Notifications += v
			case "alertname":
				nameStats(names, name).Received += v
			case "flapping":
				flapping[name] += v
			}
		}
	}
	if n.Notifications > 0 {
		n.Compression = float64(n.Received) / float64(n.Notifications)
	}
	if n.Received > 0 {
		n.Reduction = 1 - float64(n.Notifications)/float64(n.Received)
	}
	n.addIncidents(in, names)
	n.Noisiest = topNames(names, 10)
	n.Flapping = sortedCounts(flapping)
	return n
}

func nameStats(m map[string]*NameStats, name string) *NameStats {
	s := m[name]
	if s == nil {
		s = &NameStats{Name: name}
		m[name] = s
	}
	return s
}

func (n *Noise) addIncidents(in Input, names map[string]*NameStats) {
	services := map[string]*serviceAcc{}
	all := &serviceAcc{}
	noRunbook := map[string]int64{}
	for _, r := range in.Incidents {
		inc, f := r.Incident, FactsOf(r.Incident, r.Events)
		for _, name := range alertNames(r.Events) {
			s := nameStats(names, name)
			s.Incidents++
			if inc.AckedBy != "" {
				s.Acked++
			} else if inc.Status == incident.StatusResolved {
				s.AutoResolved++
			}
			if inc.Runbook == "" {
				noRunbook[name]++
			}
		}
		n.OutOfHours = append(n.OutOfHours, pagesOutOfHours(r, in.BusinessHours)...)
		if !f.Notified.IsZero() && f.AckedBy == "" {
			n.NeverAcked = append(n.NeverAcked, Ref{Incident: inc.ID, Opened: inc.Opened, Title: inc.Title})
		}
		svc := cmp.Or(inc.Service, "(no service)")
		if services[svc] == nil {
			services[svc] = &serviceAcc{}
		}
		services[svc].add(f)
		all.add(f)
	}
	n.NoRunbook = sortedCounts(noRunbook)
	for _, name := range slices.Sorted(maps.Keys(services)) {
		a := services[name]
		n.ByService = append(n.ByService, Service{Service: name, Incidents: a.n, MTTA: a.mtta(), MTTR: a.mttr()})
	}
	n.OverallMTTA, n.OverallMTTR = all.mtta(), all.mttr()
	slices.SortFunc(n.OutOfHours, func(a, b Page) int { return a.At.Compare(b.At) })
	slices.SortFunc(n.NeverAcked, func(a, b Ref) int { return a.Opened.Compare(b.Opened) })
}

// pagesOutOfHours lists the triggers PagerDuty accepted outside business
// hours.
func pagesOutOfHours(r IncidentRecord, businessHours func(time.Time) bool) []Page {
	var out []Page
	for _, e := range r.Events {
		if e.Type == incident.EventNotified && strings.HasPrefix(e.Target, "pagerduty:") && e.Detail == "trigger" && !businessHours(e.At) {
			out = append(out, Page{Incident: r.Incident.ID, At: e.At, Title: r.Incident.Title, Severity: string(r.Incident.Severity)})
		}
	}
	return out
}

// alertNames are the distinct alert names on a timeline.
func alertNames(events []incident.Event) []string {
	seen := map[string]bool{}
	var out []string
	for _, e := range events {
		if e.Alert != "" && !seen[e.Alert] && e.Type == incident.EventDetected {
			seen[e.Alert] = true
			out = append(out, e.Alert)
		}
	}
	return out
}

type serviceAcc struct {
	n              int
	ackSum, resSum time.Duration
	acks, ress     int
}

func (a *serviceAcc) add(f Facts) {
	a.n++
	if !f.Acknowledged.IsZero() && !f.Notified.IsZero() {
		a.ackSum += f.MTTA()
		a.acks++
	}
	if !f.Resolved.IsZero() {
		a.resSum += f.MTTR()
		a.ress++
	}
}

func (a *serviceAcc) mtta() Minutes {
	if a.acks == 0 {
		return 0
	}
	return minutes(a.ackSum / time.Duration(a.acks))
}

func (a *serviceAcc) mttr() Minutes {
	if a.ress == 0 {
		return 0
	}
	return minutes(a.resSum / time.Duration(a.ress))
}

func topNames(m map[string]*NameStats, k int) []NameStats {
	out := make([]NameStats, 0, len(m))
	for _, s := range m {
		out = append(out, *s)
	}
	slices.SortFunc(out, func(a, b NameStats) int {
		return cmp.Or(cmp.Compare(b.Received, a.Received), cmp.Compare(b.Incidents, a.Incidents), cmp.Compare(a.Name, b.Name))
	})
	return out[:min(k, len(out))]
}

func sortedCounts(m map[string]int64) []NameCount {
	out := make([]NameCount, 0, len(m))
	for name, c := range m {
		out = append(out, NameCount{Name: name, Count: c})
	}
	slices.SortFunc(out, func(a, b NameCount) int { return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Name, b.Name)) })
	return out
}
