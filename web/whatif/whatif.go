// Package whatif runs the console's What-if comparisons: a recorded
// trace replayed (package replay) through the running configuration and
// a proposed one, summed up for the page.
package whatif

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/alertgate/alertgate/config"
	"github.com/alertgate/alertgate/replay"
	"github.com/alertgate/alertgate/web"
)

// Runner compares configurations on a trace.
type Runner struct {
	// NewGate builds the alertgate a trace plays through
	// (router.NewReplay).
	NewGate replay.NewGate
	// RecordFile is the server's own recording (serve --record), or "".
	RecordFile string
	// MaxRecording bounds the recording read at once, in bytes.
	MaxRecording int64
}

// Recording reports whether the server records its webhooks.
func (r *Runner) Recording() bool { return r.RecordFile != "" }

// Upload compares running and proposed on an uploaded trace.
func (r *Runner) Upload(ctx context.Context, running, proposed *config.Config, trace []byte, loc *time.Location) (*web.Comparison, error) {
	records, err := replay.Read(bytes.NewReader(trace))
	if err != nil {
		return nil, &web.FieldError{Field: "trace_file", Msg: "Trace: " + err.Error()}
	}
	if len(records) == 0 {
		return nil, &web.FieldError{Field: "trace_file", Msg: "Trace: the file has no records."}
	}
	return r.compare(ctx, running, proposed, records, loc)
}

// Recorded compares running and proposed on the server's recording
// since a time.
func (r *Runner) Recorded(ctx context.Context, running, proposed *config.Config, since time.Time, loc *time.Location) (*web.Comparison, error) {
	if r.RecordFile == "" {
		return nil, &web.FieldError{Field: "trace", Msg: "Trace: this server does not record its webhooks (serve --record FILE)."}
	}
	f, err := os.Open(r.RecordFile)
	if err != nil {
		return nil, fmt.Errorf("reading the recording: %w", err)
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && r.MaxRecording > 0 && st.Size() > r.MaxRecording {
		return nil, &web.FieldError{Field: "trace", Msg: fmt.Sprintf("Trace: the recording is %d bytes, more than %d; rotate it, or upload the part you want.", st.Size(), r.MaxRecording)}
	}
	all, err := replay.Read(f)
	if err != nil {
		return nil, fmt.Errorf("reading the recording: %w", err)
	}
	var records []replay.Record
	for _, rec := range all {
		if !rec.At.Before(since) {
			records = append(records, rec)
		}
	}
	if len(records) == 0 {
		return nil, &web.FieldError{Field: "days", Msg: "Trace: the recording has nothing since " + since.In(loc).Format("2006-01-02 15:04 MST") + "."}
	}
	return r.compare(ctx, running, proposed, records, loc)
}

func (r *Runner) compare(ctx context.Context, running, proposed *config.Config, records []replay.Record, loc *time.Location) (*web.Comparison, error) {
	before, err := replay.Run(ctx, r.NewGate, running, replay.Records(slices.Clone(records)), replay.Options{Location: loc})
	if err != nil {
		return nil, fmt.Errorf("replaying through the running configuration: %w", err)
	}
	after, err := replay.Run(ctx, r.NewGate, proposed, replay.Records(records), replay.Options{Location: loc})
	if err != nil {
		return nil, fmt.Errorf("replaying through the proposed configuration: %w", err)
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return nil, fmt.Errorf("the replay took too long: %w", ctx.Err())
	}
	return Compare(before, after, loc), nil
}

// Compare sums up the replay of one trace through the running
// configuration (before) and the proposed one (after): per target, the
// calls and the sounds (pages, posts, replies) each made, and the calls
// and pages per hour.
func Compare(before, after *replay.Result, loc *time.Location) *web.Comparison {
	if loc == nil {
		loc = time.UTC
	}
	c := &web.Comparison{Records: after.Records, Alerts: after.Alerts, Rejected: after.Rejected,
		PagesBefore: before.Pages(), PagesAfter: after.Pages(), SentBefore: before.Calls, SentAfter: after.Calls}
	type key struct{ target, kind string }
	counts := map[key][2]int{}
	hours := map[string]bool{}
	for i, res := range []*replay.Result{before, after} {
		for h, targets := range res.Hours {
			hours[h] = true
			for target, n := range targets {
				for _, kc := range []struct {
					kind string
					n    int
				}{{"calls", n.Calls}, {"sounds", n.Sounds}} {
					k := key{target, kc.kind}
					v := counts[k]
					v[i] += kc.n
					counts[k] = v
				}
			}
		}
	}
	keys := slices.SortedFunc(maps.Keys(counts), func(a, b key) int {
		return cmp.Or(strings.Compare(a.target, b.target), strings.Compare(a.kind, b.kind))
	})
	for _, k := range keys {
		v := counts[k]
		c.Rows = append(c.Rows, web.CompareRow{Target: k.target, Kind: k.kind, Before: v[0], After: v[1], Change: v[1] - v[0]})
	}
	c.Chart = hourly(before, after, slices.Sorted(maps.Keys(hours)), loc)
	if len(c.Chart.X) > 0 {
		c.From = time.Unix(c.Chart.X[0], 0)
		c.To = time.Unix(c.Chart.X[len(c.Chart.X)-1], 0).Add(time.Hour)
	}
	return c
}

// hourly charts the calls and pages per hour of both replays. hours are
// the replays' hour keys, in order.
func hourly(before, after *replay.Result, hours []string, loc *time.Location) web.Chart {
	c := web.Chart{ID: "whatif", Title: "Notifications per hour: running configuration and proposed one", Kind: "lines",
		Names: []string{"running", "proposed", "running: pages", "proposed: pages"}}
	series := make([][]float64, 4)
	for i := range series {
		series[i] = make([]float64, len(hours))
	}
	for h, key := range hours {
		t, err := time.ParseInLocation("2006-01-02 15:00", key, loc)
		if err != nil {
			continue
		}
		c.X = append(c.X, t.Unix())
		c.Labels = append(c.Labels, t.Format("01-02 15:00"))
		for i, res := range []*replay.Result{before, after} {
			for _, n := range res.Hours[key] {
				series[i][h] += float64(n.Calls)
				series[2+i][h] += float64(n.Pages)
			}
		}
	}
	for _, s := range series {
		vals := make([]*float64, len(s))
		for i := range s {
			vals[i] = &s[i]
		}
		c.Values = append(c.Values, vals)
	}
	return c
}
