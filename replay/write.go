package replay

import (
	"cmp"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/alertgate/alertgate/router/notify"
)

// Write prints sounds per target and hour (with all calls in
// parentheses), the totals, the refusals and the paged incidents.
func (r *Result) Write(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	targets := r.Targets()
	fmt.Fprintln(tw, "sounds (calls) per hour\t"+strings.Join(targets, "\t"))
	totals := map[string]*Count{}
	for _, h := range r.hours() {
		row := []string{h}
		for _, t := range targets {
			c := r.Hours[h][t]
			if c == nil {
				c = &Count{}
			}
			row = append(row, fmt.Sprintf("%d (%d)", c.Sounds, c.Calls))
			if totals[t] == nil {
				totals[t] = &Count{}
			}
			totals[t].Sounds += c.Sounds
			totals[t].Calls += c.Calls
		}
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	row := []string{"total"}
	for _, t := range targets {
		row = append(row, fmt.Sprintf("%d (%d)", totals[t].Sounds, totals[t].Calls))
	}
	fmt.Fprintln(tw, strings.Join(row, "\t"))
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\n%d webhooks (%d rejected), %d alerts in; %d calls out: %d sounds (%s)\n",
		r.Records, r.Rejected, r.Alerts, r.Calls, r.Sounds, r.effects())
	if r.Late > 0 {
		fmt.Fprintf(w, "%d records came out of order beyond the reorder window and were played late\n", r.Late)
	}
	r.writeRefusals(w)
	if ids := r.paged(); len(ids) > 0 {
		fmt.Fprintf(w, "\npages per incident:\n")
		for _, id := range ids {
			in := r.Incidents[id]
			fmt.Fprintf(w, "  %d  %s  %s\n", in.Pages, id, in.Title)
		}
	}
	return nil
}

// effects lists the calls by effect: "3 page, 40 post, 37 reply, ...".
func (r *Result) effects() string {
	var parts []string
	for _, e := range []notify.Effect{notify.EffectPage, notify.EffectPost, notify.EffectReply, notify.EffectEdit,
		notify.EffectPageUpdate, notify.EffectPageAck, notify.EffectPageResolve, notify.EffectLog} {
		if n := r.Effects[e]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, e))
		}
	}
	return strings.Join(parts, ", ")
}

func (r *Result) writeRefusals(w io.Writer) {
	if r.Rejected == 0 {
		return
	}
	fmt.Fprintf(w, "\nrefused webhooks:\n")
	for _, f := range r.Refusals {
		field := ""
		if f.Field != "" {
			field = " (" + f.Field + ")"
		}
		fmt.Fprintf(w, "  %s  %s  %d  %s%s\n", f.At.In(r.loc).Format("2006-01-02 15:04:05"), f.Source, f.Status, f.Reason, field)
	}
	if more := r.Rejected - len(r.Refusals); more > 0 {
		fmt.Fprintf(w, "  …and %d more\n", more)
	}
}

// Compare prints two replays of one trace side by side: sounds per
// target and hour, the totals, pages per incident, and which alerts
// sound more or less often.
func Compare(w io.Writer, nameA string, a *Result, nameB string, b *Result) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	targets := slices.Compact(slices.Sorted(slices.Values(append(a.Targets(), b.Targets()...))))
	head := []string{"sounds per hour"}
	for _, t := range targets {
		head = append(head, "A "+t, "B "+t)
	}
	fmt.Fprintln(tw, strings.Join(head, "\t"))
	hours := slices.Compact(slices.Sorted(slices.Values(append(a.hours(), b.hours()...))))
	for _, h := range hours {
		row := []string{h}
		for _, t := range targets {
			row = append(row, fmt.Sprint(sounds(a, h, t)), fmt.Sprint(sounds(b, h, t)))
		}
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nA = %s: %d calls, %d sounds, %d pages, %d incidents\n", nameA, a.Calls, a.Sounds, a.Pages(), len(a.Incidents))
	fmt.Fprintf(w, "B = %s: %d calls, %d sounds, %d pages, %d incidents\n", nameB, b.Calls, b.Sounds, b.Pages(), len(b.Incidents))
	for _, side := range []struct {
		name string
		r    *Result
	}{{"A", a}, {"B", b}} {
		fmt.Fprintf(w, "\npages per incident, %s:\n", side.name)
		ids := side.r.paged()
		if len(ids) == 0 {
			fmt.Fprintln(w, "  none")
		}
		for _, id := range ids {
			in := side.r.Incidents[id]
			fmt.Fprintf(w, "  %d  %s  %s\n", in.Pages, in.First.In(a.loc).Format("01-02 15:04"), in.Title)
		}
	}
	fmt.Fprintf(w, "\nwhat changed (sounds by lead alert, A → B):\n")
	changed := false
	names := slices.Sorted(maps.Keys(a.AlertSounds))
	for n := range b.AlertSounds {
		if _, ok := a.AlertSounds[n]; !ok {
			names = append(names, n)
		}
	}
	slices.SortStableFunc(names, func(x, y string) int {
		return cmp.Compare(abs(b.AlertSounds[y]-a.AlertSounds[y]), abs(b.AlertSounds[x]-a.AlertSounds[x]))
	})
	for _, n := range names {
		if d := b.AlertSounds[n] - a.AlertSounds[n]; d != 0 {
			changed = true
			fmt.Fprintf(w, "  %-40s %5d → %-5d (%+d)\n", n, a.AlertSounds[n], b.AlertSounds[n], d)
		}
	}
	if !changed {
		fmt.Fprintln(w, "  nothing")
	}
	return nil
}

func sounds(r *Result, h, target string) int {
	if c := r.Hours[h][target]; c != nil {
		return c.Sounds
	}
	return 0
}

func abs(x int) int { return max(x, -x) }
