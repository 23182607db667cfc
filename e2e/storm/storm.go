package storm

import (
	"bufio"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/alertgate/alertgate/config"
	"github.com/alertgate/alertgate/replay"
	"github.com/alertgate/alertgate/rules"
)

// Options choose the day to generate.
type Options struct {
	// Seed makes the day: the same seed gives the same trace, byte for
	// byte.
	Seed int64
	// Day is the midnight (Asia/Tokyo) the day starts at. It should be a
	// working day, so that the day has business hours and a night.
	Day time.Time
}

// DefaultOptions is the day the recorded trace in e2e/testdata was made
// from: seed 1 on Tuesday 10 March 2026, a working day in Japan.
func DefaultOptions() Options {
	return Options{Seed: 1, Day: time.Date(2026, 3, 10, 0, 0, 0, 0, tokyo())}
}

// Seeds are the days the noise targets are asserted on.
var Seeds = []int64{1, 2, 3, 4, 5}

// OptionsFor is the day of a seed: seed 1 is DefaultOptions, the others
// the Japanese working days after it (Wednesday 11 March 2026 for seed
// 2, ...; 20 March, Vernal Equinox Day, is skipped).
func OptionsFor(seed int64) Options {
	o := DefaultOptions()
	o.Seed = seed
	cal, err := rules.NewCalendar(&config.BusinessHours{Location: "Asia/Tokyo", Holidays: config.HolidayCalendars{"jp"}})
	for i := int64(1); i < seed; i++ {
		o.Day = o.Day.AddDate(0, 0, 1)
		for o.Day.Weekday() == time.Saturday || o.Day.Weekday() == time.Sunday || err == nil && cal.Holiday(o.Day.Add(12*time.Hour)) != "" {
			o.Day = o.Day.AddDate(0, 0, 1)
		}
	}
	return o
}

// Storm is a generated day: the webhooks alertgate receives, in replay's
// trace format, and what really happened.
type Storm struct {
	Records []replay.Record
	Truth   Truth
}

// Generate makes the day opts describe.
func Generate(opts Options) *Storm {
	day := opts.Day.In(tokyo())
	w := &world{
		rng:   rand.New(rand.NewPCG(uint64(opts.Seed), 0x5eed)),
		day:   day,
		truth: Truth{Seed: opts.Seed, Day: day},
	}
	w.am = &amSim{w: w}
	w.c = w.newCluster()
	w.background()
	w.churn()
	w.shortWarnings()
	w.nightlyBatch()
	w.incidents()
	w.records = append(w.records, w.am.records(day, day.Add(24*time.Hour))...)
	slices.SortStableFunc(w.records, func(a, b replay.Record) int {
		return cmp.Or(a.At.Compare(b.At), cmp.Compare(a.Source, b.Source))
	})
	slices.SortFunc(w.truth.Incidents, func(a, b Incident) int { return a.Start.Compare(b.Start) })
	return &Storm{Records: w.records, Truth: w.truth}
}

// WriteTrace writes records as a JSON Lines trace.
func WriteTrace(w io.Writer, records []replay.Record) error {
	bw := bufio.NewWriter(w)
	for _, r := range records {
		b, err := json.Marshal(r)
		if err != nil {
			return err
		}
		bw.Write(b)
		bw.WriteByte('\n')
	}
	return bw.Flush()
}

// Alerts counts the alerts in records as their sources send them: every
// alert of an Alertmanager webhook, and one per New Relic and CloudWatch
// notification.
func Alerts(records []replay.Record) int {
	n := 0
	for _, r := range records {
		if r.Source != "alertmanager" {
			n++
			continue
		}
		var m struct {
			Alerts []json.RawMessage `json:"alerts"`
		}
		if json.Unmarshal(r.Body, &m) == nil {
			n += len(m.Alerts)
		}
	}
	return n
}

// world is the state of the generator.
type world struct {
	rng     *rand.Rand
	day     time.Time
	am      *amSim
	c       *cluster
	records []replay.Record
	truth   Truth
}

func tokyo() *time.Location {
	loc, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		// time/tzdata is linked in by the callers that need it; a
		// fixed zone is the same thing for Japan (no daylight saving).
		return time.FixedZone("JST", 9*3600)
	}
	return loc
}

// at is a time of the day, in Tokyo.
func (w *world) at(h, m int) time.Time {
	return w.day.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute)
}

// jitter is a random duration in [0, d).
func (w *world) jitter(d time.Duration) time.Duration {
	return time.Duration(w.rng.Int64N(int64(d)))
}

// between is a random time in [a, b).
func (w *world) between(a, b time.Time) time.Time { return a.Add(w.jitter(b.Sub(a))) }

const alnum = "abcdefghijklmnopqrstuvwxyz0123456789"

func (w *world) word(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alnum[w.rng.IntN(len(alnum))]
	}
	return string(b)
}

func (w *world) uuid() string {
	return fmt.Sprintf("%s-%s-4%s-a%s-%s", w.hex(8), w.hex(4), w.hex(3), w.hex(3), w.hex(12))
}

func (w *world) hex(n int) string {
	const digits = "0123456789abcdef"
	b := make([]byte, n)
	for i := range b {
		b[i] = digits[w.rng.IntN(16)]
	}
	return string(b)
}

// pick returns one of xs at random.
func pick[T any](w *world, xs []T) T { return xs[w.rng.IntN(len(xs))] }

// prom adds a Prometheus alert to the upstream Alertmanager: a rule
// with a `for` of pending, firing in episodes.
func (w *world) prom(labels, annotations map[string]string, pending time.Duration, eps ...episode) *promAlert {
	ls := maps.Clone(labels)
	if _, ok := ls["cluster"]; !ok {
		ls["cluster"] = clusterName
	}
	ls["prometheus"] = monitoring + "/" + promRelease + "-prometheus"
	a := &promAlert{labels: ls, annotations: annotations, pending: pending, episodes: eps}
	w.am.add(a)
	return a
}

func (w *world) incident(in Incident) { w.truth.Incidents = append(w.truth.Incidents, in) }

func (w *world) explained(cause string, l Labels) {
	w.truth.Explained = append(w.truth.Explained, Explained{Alert: l, Cause: cause})
}

func sortedKeys(m map[string]string) []string { return slices.Sorted(maps.Keys(m)) }

// The names of the recorded trace and its truth in e2e/testdata.
const (
	TraceFile = "storm-day.jsonl"
	TruthFile = "storm-day.truth.json"
)
