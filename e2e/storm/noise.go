package storm

import (
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/config"
	"github.com/alertgate/alertgate/replay"
	"github.com/alertgate/alertgate/router"
	"github.com/alertgate/alertgate/router/notify"
	"github.com/alertgate/alertgate/rules"
)

// Noise is what alertgate made of a trace under one configuration,
// judged against the truth.
type Noise struct {
	Correlation bool `json:"correlation"`
	Webhooks    int  `json:"webhooks"`
	Rejected    int  `json:"rejected"`
	// Alerts are the raw events in: every alert of every accepted
	// webhook, HA twins and re-sends included.
	Alerts int `json:"alerts"`
	// Episodes are the distinct firing episodes among them (see
	// Episodes).
	Episodes int `json:"episodes"`
	// Notifications are the messages out, one per target (a page and its
	// Slack copy are two).
	Notifications int            `json:"notifications"`
	PerTarget     map[string]int `json:"perTarget"`
	Pages         int            `json:"pages"`
	// Incidents counts the incidents alertgate opened (distinct incident
	// keys that got a trigger).
	Incidents int `json:"incidents"`
	// Truth is the number of real incidents.
	Truth int `json:"truth"`
	// Missed lists the real incidents nobody was told about.
	Missed []string `json:"missed"`
	// Unpaged lists the real incidents that had to page and did not.
	Unpaged []string `json:"unpaged"`
	// WrongPages lists the real incidents that must never page and did.
	WrongPages []string `json:"wrongPages"`
	// OffHoursNonCritical counts pages outside business hours for
	// incidents that were not critical.
	OffHoursNonCritical int `json:"offHoursNonCritical"`
	// InhibitedNotified counts notifications that showed a firing alert
	// that another alert explains (a pod of a failed node).
	InhibitedNotified int `json:"inhibitedNotified"`
}

// Reduction is the share of raw events that did not become a
// notification: 0.95 means 95 % fewer notifications than alerts.
func (n *Noise) Reduction() float64 {
	if n.Alerts == 0 {
		return 0
	}
	return 1 - float64(n.Notifications)/float64(n.Alerts)
}

// Compression is raw events per notification.
func (n *Noise) Compression() float64 {
	if n.Notifications == 0 {
		return 0
	}
	return float64(n.Alerts) / float64(n.Notifications)
}

// Measure replays records through cfg (with its simulated clock and
// recording notifiers) and judges the notifications against truth.
func Measure(ctx context.Context, cfg *config.Config, records []replay.Record, truth *Truth) (*Noise, error) {
	rs, err := rules.New(cfg)
	if err != nil {
		return nil, err
	}
	rec := &recorder{}
	gate := func(cfg *config.Config, now func() time.Time, sink notify.Notifier) (replay.Gate, error) {
		return router.NewReplay(cfg, now, sink, rec)
	}
	res, err := replay.Run(ctx, gate, unlimited(cfg), slices.Clone(records), replay.Options{})
	if err != nil {
		return nil, err
	}
	n := &Noise{
		Correlation:   cfg.Correlation.Enabled,
		Webhooks:      res.Records,
		Rejected:      res.Rejected,
		Alerts:        res.Alerts,
		Episodes:      Episodes(records),
		Notifications: len(res.Sent),
		PerTarget:     map[string]int{},
		Pages:         res.Pages(),
		Truth:         len(truth.Incidents),
	}
	opened := map[string]bool{}
	for _, s := range res.Sent {
		n.PerTarget[s.Target]++
		if s.Kind == notify.KindTrigger {
			opened[s.Incident] = true
		}
		if isPage(s) && !rs.InBusinessHours(s.At) && s.Severity != alert.SeverityCritical {
			n.OffHoursNonCritical++
		}
	}
	n.Incidents = len(opened)
	j := judge{sent: res.Sent, built: rec.built}
	for _, in := range truth.Incidents {
		told, paged := j.outcome(in)
		switch {
		case !told:
			n.Missed = append(n.Missed, in.ID)
		case in.Page == PageMust && !paged:
			n.Unpaged = append(n.Unpaged, in.ID)
		case in.Page == PageNever && paged:
			n.WrongPages = append(n.WrongPages, in.ID)
		}
	}
	n.InhibitedNotified = j.inhibited(truth.Inhibited)
	return n, nil
}

// unlimited returns a copy of cfg without the per-source rate limits.
// The limiters run on the wall clock while replay plays a day in a
// second, so they would reject most of the day; the recorded webhooks
// were accepted once already.
func unlimited(cfg *config.Config) *config.Config {
	c := *cfg
	c.Sources.Alertmanager.RateLimit = &config.RateLimit{}
	c.Sources.NewRelic.RateLimit = &config.RateLimit{}
	c.Sources.CloudWatch.RateLimit = &config.RateLimit{}
	return &c
}

func isPage(s replay.Sent) bool {
	return s.Kind == notify.KindTrigger && strings.HasPrefix(s.Target, "pagerduty:")
}

// built is a notification as the flusher built it, before it was copied
// to its targets: replay's record of what was sent does not carry the
// members, so the recorder keeps them.
type built struct {
	incident string
	kind     notify.Kind
	at       time.Time
	firing   []map[string]string
}

// recorder is an Enricher that only remembers every notification built.
type recorder struct {
	mu    sync.Mutex
	built []built
}

// Enrich records n.
func (r *recorder) Enrich(_ context.Context, n *notify.Notification) {
	b := built{incident: n.Incident, kind: n.Kind, at: n.CreatedAt}
	for _, m := range n.Firing() {
		b.firing = append(b.firing, maps.Clone(m.Labels))
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.built = append(r.built, b)
}

// Mutes mutes nothing: the recorder only watches.
func (r *recorder) Mutes(context.Context, map[string]string, time.Time) (string, bool) {
	return "", false
}

// judge matches built notifications to what was delivered.
type judge struct {
	sent  []replay.Sent
	built []built
}

// deliveryWindow is how long after it was built a notification counts as
// delivered: replay delivers within the same simulated step.
const deliveryWindow = 5 * time.Minute

// delivered returns the deliveries of a built notification.
func (j *judge) delivered(b *built) []replay.Sent {
	var out []replay.Sent
	for _, s := range j.sent {
		if s.Incident == b.incident && s.Kind == b.kind && !s.At.Before(b.at) && s.At.Sub(b.at) <= deliveryWindow {
			out = append(out, s)
		}
	}
	return out
}

// outcome reports whether anyone was told about a real incident while
// it lasted (or within the hour after: a muted batch job is told in the
// morning), and whether it paged.
func (j *judge) outcome(in Incident) (told, paged bool) {
	for i := range j.built {
		b := &j.built[i]
		if b.at.Before(in.Start) || b.at.After(in.End.Add(time.Hour)) || !anyMatches(in.Alerts, b.firing) {
			continue
		}
		for _, s := range j.delivered(b) {
			told = true
			paged = paged || isPage(s)
		}
	}
	return told, paged
}

// inhibited counts delivered notifications that show a firing alert
// matching one of sets.
func (j *judge) inhibited(sets []Labels) int {
	n := 0
	for i := range j.built {
		b := &j.built[i]
		if anyMatches(sets, b.firing) {
			n += len(j.delivered(b))
		}
	}
	return n
}

func anyMatches(sets []Labels, alerts []map[string]string) bool {
	for _, ls := range alerts {
		if matchesAny(sets, ls) {
			return true
		}
	}
	return false
}

// WriteComparison prints the figures of each measurement side by side,
// with the notifications per target.
func WriteComparison(w io.Writer, ms ...*Noise) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	row := func(name string, f func(*Noise) string) {
		fmt.Fprint(tw, name+"\t")
		for _, m := range ms {
			fmt.Fprint(tw, f(m)+"\t")
		}
		fmt.Fprintln(tw)
	}
	row("correlation", func(m *Noise) string { return map[bool]string{true: "on", false: "off"}[m.Correlation] })
	row("webhooks in", func(m *Noise) string { return fmt.Sprint(m.Webhooks) })
	row("raw alerts in", func(m *Noise) string { return fmt.Sprint(m.Alerts) })
	row("  distinct alert episodes", func(m *Noise) string { return fmt.Sprint(m.Episodes) })
	row("notifications out", func(m *Noise) string { return fmt.Sprint(m.Notifications) })
	targets := map[string]bool{}
	for _, m := range ms {
		for t := range m.PerTarget {
			targets[t] = true
		}
	}
	for _, t := range slices.Sorted(maps.Keys(targets)) {
		row("  "+t, func(m *Noise) string { return fmt.Sprint(m.PerTarget[t]) })
	}
	row("pages", func(m *Noise) string { return fmt.Sprint(m.Pages) })
	row("incidents opened", func(m *Noise) string { return fmt.Sprint(m.Incidents) })
	row("fewer notifications than alerts", func(m *Noise) string { return fmt.Sprintf("%.1f %%", 100*m.Reduction()) })
	row("compression (alerts per notification)", func(m *Noise) string { return fmt.Sprintf("%.1f:1", m.Compression()) })
	row("real incidents missed", func(m *Noise) string { return fmt.Sprintf("%d of %d", len(m.Missed), m.Truth) })
	row("critical incidents not paged", func(m *Noise) string { return fmt.Sprint(len(m.Unpaged)) })
	row("pages that must not happen", func(m *Noise) string { return fmt.Sprint(len(m.WrongPages)) })
	row("off-hours pages, not critical", func(m *Noise) string { return fmt.Sprint(m.OffHoursNonCritical) })
	row("notified inhibited alerts", func(m *Noise) string { return fmt.Sprint(m.InhibitedNotified) })
	return tw.Flush()
}

// LoadConfig loads a configuration as a bare machine would (no
// environment: every ${VAR:-default} takes its default), with
// correlation.enabled overridden by correlate. The file is not changed:
// the measurement without correlation is of a copy of the same policy.
func LoadConfig(path string, correlate bool) (*config.Config, error) {
	cfg, err := config.LoadFile(path, func(string) (string, bool) { return "", false })
	if err != nil {
		return nil, err
	}
	cfg.Correlation.Enabled = correlate
	return cfg, cfg.Validate()
}

// ReadTrace reads a trace file.
func ReadTrace(path string) ([]replay.Record, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return replay.Read(f)
}
