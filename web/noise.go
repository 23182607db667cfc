package web

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/alertgate/alertgate/incident"
	"github.com/alertgate/alertgate/report"
	"github.com/alertgate/alertgate/router/notify"
)

// Chart is one chart's data: shared x values (unix seconds) and one
// series per line or bar. The page draws it with uPlot and lists the
// same numbers in a table for readers without JavaScript.
type Chart struct {
	ID    string   `json:"id"`
	Title string   `json:"title"`
	Kind  string   `json:"kind"` // bars or lines
	Unit  string   `json:"unit,omitempty"`
	X     []int64  `json:"x"`
	Names []string `json:"names"`
	// Values are per series, per x; nil where a series has no value.
	Values [][]*float64 `json:"values"`
	// Labels are the x values as the table shows them.
	Labels []string `json:"labels"`
}

// Rows returns the chart as table rows: label, then each series' value.
func (c *Chart) Rows() [][]string {
	out := make([][]string, len(c.X))
	for i := range c.X {
		row := []string{c.Labels[i]}
		for _, s := range c.Values {
			row = append(row, formatValue(s[i]))
		}
		out[i] = row
	}
	return out
}

func formatValue(v *float64) string {
	if v == nil {
		return "–"
	}
	if *v == float64(int64(*v)) {
		return strconv.FormatInt(int64(*v), 10)
	}
	return strconv.FormatFloat(*v, 'f', 1, 64)
}

// NoiseView is the Noise page.
type NoiseView struct {
	Range  string
	Ranges []string
	Report report.Noise
	Charts []Chart
	// Chronic are alert names that opened incidents on many days of the
	// range: candidates to fix rather than to page about.
	Chronic []report.NameCount
	// Policy are the incidents the noise policy holds chronic now.
	Policy ChronicPolicy
}

// ChronicPolicy lists, per receiver, the open incidents the noise policy
// holds chronic now (route.noise.chronic): what each channel's chronic
// digest lists.
type ChronicPolicy struct {
	Receivers []ChronicReceiver
	// Unread says they could not be read.
	Unread bool
	// NextDigest is when the chronic digests go out next
	// (noise.chronic_digest); zero when they go out on demand only.
	NextDigest time.Time
}

// ChronicReceiver is one receiver's chronic incidents on the Noise page.
type ChronicReceiver struct {
	Receiver  string
	Incidents []ChronicRow
}

// ChronicRow is one chronic incident on the Noise page.
type ChronicRow struct {
	notify.ChronicIncident
	// URL is the incident's console page.
	URL string
	// RunbookURL is the runbook link when it is an http(s) URL; alert
	// text is not trusted to be one.
	RunbookURL string
}

// NewChronicReceivers builds the Noise page's list of chronic incidents
// from what the engine reports per receiver.
func NewChronicReceivers(lists []notify.ChronicList) []ChronicReceiver {
	out := make([]ChronicReceiver, 0, len(lists))
	for _, l := range lists {
		cr := ChronicReceiver{Receiver: l.Receiver}
		for _, c := range l.Incidents {
			row := ChronicRow{ChronicIncident: c, URL: notify.IncidentPath(c.IncidentID)}
			if usable(c.Runbook) {
				row.RunbookURL = c.Runbook
			}
			cr.Incidents = append(cr.Incidents, row)
		}
		out = append(out, cr)
	}
	return out
}

// NoiseRanges are the ranges the Noise page offers.
var NoiseRanges = []string{"1d", "7d", "30d"}

// NewNoiseView builds the Noise page from the report's input and the
// report computed from it.
func NewNoiseView(rng string, in report.Input, n report.Noise, loc *time.Location) NoiseView {
	if loc == nil {
		loc = time.UTC
	}
	v := NoiseView{Range: rng, Ranges: NoiseRanges, Report: n}
	v.Charts = []Chart{
		soundsPerHour(in, loc),
		pagesPerDay(in, loc),
		responseTrend(in, loc),
	}
	v.Chronic = chronic(in, loc)
	return v
}

// soundsPerHour counts the notifications targets accepted, per hour, by
// target type and effect (trigger, update, repeat, resolve...).
func soundsPerHour(in report.Input, loc *time.Location) Chart {
	start := in.Since.In(loc).Truncate(time.Hour)
	hours := max(1, int(in.Until.Sub(start)/time.Hour)+1)
	counts := map[string][]float64{}
	for _, r := range in.Incidents {
		for _, e := range r.Events {
			if e.Type != incident.EventNotified || e.Target == "" || e.At.Before(in.Since) || !e.At.Before(in.Until) {
				continue
			}
			typ, _, _ := strings.Cut(e.Target, ":")
			name := typ + " " + orDash(e.Detail)
			if counts[name] == nil {
				counts[name] = make([]float64, hours)
			}
			if i := int(e.At.Sub(start) / time.Hour); i >= 0 && i < hours {
				counts[name][i]++
			}
		}
	}
	c := Chart{ID: "sounds", Title: "Notifications per hour, by target and effect", Kind: "bars"}
	for i := range hours {
		t := start.Add(time.Duration(i) * time.Hour)
		c.X = append(c.X, t.Unix())
		c.Labels = append(c.Labels, t.In(loc).Format("01-02 15:00"))
	}
	for _, name := range slices.Sorted(maps.Keys(counts)) {
		c.Names = append(c.Names, name)
		c.Values = append(c.Values, ptrs(counts[name]))
	}
	return c
}

// pagesPerDay counts PagerDuty triggers per day, in business hours and
// outside them (nights, weekends, holidays).
func pagesPerDay(in report.Input, loc *time.Location) Chart {
	days := dayAxis(in, loc)
	inHours, outHours := make([]float64, len(days)), make([]float64, len(days))
	for _, r := range in.Incidents {
		for _, e := range r.Events {
			if e.Type != incident.EventNotified || !strings.HasPrefix(e.Target, "pagerduty:") || e.Detail != "trigger" {
				continue
			}
			i := dayIndex(days, e.At, loc)
			if i < 0 {
				continue
			}
			if in.BusinessHours != nil && in.BusinessHours(e.At) {
				inHours[i]++
			} else {
				outHours[i]++
			}
		}
	}
	c := dayChart("pages", "Pages per day (out of hours: nights, weekends, holidays)", "bars", days, loc)
	c.Names = []string{"in business hours", "out of hours"}
	c.Values = [][]*float64{ptrs(inHours), ptrs(outHours)}
	return c
}

// responseTrend is the mean MTTA and MTTR of the incidents opened each
// day, in minutes.
func responseTrend(in report.Input, loc *time.Location) Chart {
	days := dayAxis(in, loc)
	type acc struct{ a, r, na, nr float64 }
	accs := make([]acc, len(days))
	for _, rec := range in.Incidents {
		i := dayIndex(days, rec.Incident.Opened, loc)
		if i < 0 {
			continue
		}
		f := report.FactsOf(rec.Incident, rec.Events)
		if d := f.MTTA(); d > 0 {
			accs[i].a += d.Minutes()
			accs[i].na++
		}
		if d := f.MTTR(); d > 0 {
			accs[i].r += d.Minutes()
			accs[i].nr++
		}
	}
	c := dayChart("response", "Mean time to acknowledge and to resolve (minutes), by day opened", "lines", days, loc)
	c.Unit = "min"
	mtta, mttr := make([]*float64, len(days)), make([]*float64, len(days))
	for i, a := range accs {
		if a.na > 0 {
			v := a.a / a.na
			mtta[i] = &v
		}
		if a.nr > 0 {
			v := a.r / a.nr
			mttr[i] = &v
		}
	}
	c.Names, c.Values = []string{"MTTA", "MTTR"}, [][]*float64{mtta, mttr}
	return c
}

// chronic lists alert names that opened incidents on at least half the
// days of the range (and on three days at least).
func chronic(in report.Input, loc *time.Location) []report.NameCount {
	days := map[string]map[string]bool{}
	for _, r := range in.Incidents {
		d := r.Incident.Opened.In(loc).Format(time.DateOnly)
		for _, e := range r.Events {
			if e.Type == incident.EventDetected && e.Alert != "" {
				if days[e.Alert] == nil {
					days[e.Alert] = map[string]bool{}
				}
				days[e.Alert][d] = true
			}
		}
	}
	need := max(3, len(dayAxis(in, loc))/2)
	var out []report.NameCount
	for name, ds := range days {
		if len(ds) >= need {
			out = append(out, report.NameCount{Name: name, Count: int64(len(ds))})
		}
	}
	slices.SortFunc(out, func(a, b report.NameCount) int {
		if a.Count != b.Count {
			return int(b.Count - a.Count)
		}
		return strings.Compare(a.Name, b.Name)
	})
	return out
}

func dayAxis(in report.Input, loc *time.Location) []time.Time {
	y, m, d := in.Since.In(loc).Date()
	var out []time.Time
	for t := time.Date(y, m, d, 0, 0, 0, 0, loc); t.Before(in.Until); t = t.AddDate(0, 0, 1) {
		out = append(out, t)
	}
	return out
}

func dayIndex(days []time.Time, t time.Time, loc *time.Location) int {
	y, m, d := t.In(loc).Date()
	day := time.Date(y, m, d, 0, 0, 0, 0, loc)
	for i, x := range days {
		if x.Equal(day) {
			return i
		}
	}
	return -1
}

func dayChart(id, title, kind string, days []time.Time, loc *time.Location) Chart {
	c := Chart{ID: id, Title: title, Kind: kind}
	for _, d := range days {
		c.X = append(c.X, d.Unix())
		c.Labels = append(c.Labels, d.In(loc).Format("2006-01-02 Mon"))
	}
	return c
}

func ptrs(vs []float64) []*float64 {
	out := make([]*float64, len(vs))
	for i := range vs {
		out[i] = &vs[i]
	}
	return out
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
