package storm

import (
	"bytes"
	"context"
	_ "embed"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/config"
	"github.com/alertgate/alertgate/enrich"
	"github.com/alertgate/alertgate/replay"
	"github.com/alertgate/alertgate/router"
	"github.com/alertgate/alertgate/router/notify"
	"github.com/alertgate/alertgate/router/source"
	"github.com/alertgate/alertgate/router/source/builtin"
	"github.com/alertgate/alertgate/router/store"
	"github.com/alertgate/alertgate/rules"
)

// Noise is what alertgate made of a trace under one configuration,
// judged against the truth and the targets of issue 16.
type Noise struct {
	Seed        int64 `json:"seed"`
	Correlation bool  `json:"correlation"`
	Webhooks    int   `json:"webhooks"`
	Rejected    int   `json:"rejected"`
	// Alerts are the raw alert instances in: every alert of every
	// accepted webhook, HA twins and re-sends included.
	Alerts int `json:"alerts"`
	// Episodes are the distinct firing episodes among them (see
	// Episodes).
	Episodes int `json:"episodes"`
	// Calls are every provider call out; Sounds those that reach people
	// (pages, new posts, thread replies); Effects counts calls by effect.
	Calls   int                   `json:"calls"`
	Sounds  int                   `json:"sounds"`
	Effects map[notify.Effect]int `json:"effects"`
	// PerTarget counts sounds per target ("slack:team-slack").
	PerTarget map[string]int `json:"perTarget"`
	Pages     int            `json:"pages"`
	// Incidents counts the incidents alertgate opened (that made a call).
	Incidents int `json:"incidents"`
	// Truth is the number of real incidents.
	Truth int `json:"truth"`
	// Missed lists the real incidents nobody was told about.
	Missed []string `json:"missed"`
	// NotOwn lists the real incidents that did not get a page or post of
	// their own within MaxTellDelay of when the configuration let them be
	// told: buried in another incident's thread, or late.
	NotOwn []string `json:"notOwn"`
	// Unpaged lists the real incidents that had to page and did not.
	Unpaged []string `json:"unpaged"`
	// ExtraPages lists the real incidents paged more than once.
	ExtraPages []string `json:"extraPages"`
	// WrongPages lists pages that must not happen: of incidents that
	// never page, and of noise.
	WrongPages []string `json:"wrongPages"`
	// NightSounds counts sounds outside business hours for less than a
	// critical incident, in a target not configured for them.
	NightSounds int `json:"nightSounds"`
	// ExplainedSounds counts sounds about an alert another alert explains
	// (a pod of a failed node) after its cause fired.
	ExplainedSounds int `json:"explainedSounds"`
	// Unaudited counts calls that do not name their members.
	Unaudited int `json:"unaudited"`
}

// MaxTellDelay is how soon after its first alert's first delivery (or,
// when the configuration holds it, after the hold ends) a real incident
// must have its own page or post.
const MaxTellDelay = 60 * time.Second

// explainedFor is how long after its cause ended an explained alert is
// still its cause's: its effects recover over minutes.
const explainedFor = 30 * time.Minute

// MaxSoundShare is the most sounds there may be per alert instance.
const MaxSoundShare = 0.01

// Failures lists the targets the measurement misses, empty when it
// meets them all.
func (n *Noise) Failures() []string {
	var out []string
	fail := func(ok bool, format string, args ...any) {
		if !ok {
			out = append(out, fmt.Sprintf(format, args...))
		}
	}
	fail(n.Rejected == 0, "%d webhooks rejected", n.Rejected)
	fail(float64(n.Sounds) <= MaxSoundShare*float64(n.Alerts), "%d sounds for %d alert instances: more than %.0f %%", n.Sounds, n.Alerts, 100*MaxSoundShare)
	fail(len(n.Missed) == 0, "real incidents missed: %v", n.Missed)
	fail(len(n.NotOwn) == 0, "real incidents without their own page or post within %s: %v", MaxTellDelay, n.NotOwn)
	fail(len(n.Unpaged) == 0, "paging incidents not paged: %v", n.Unpaged)
	fail(len(n.ExtraPages) == 0, "incidents paged more than once: %v", n.ExtraPages)
	fail(len(n.WrongPages) == 0, "pages that must not happen: %v", n.WrongPages)
	fail(n.NightSounds == 0, "%d non-critical sounds outside business hours", n.NightSounds)
	fail(n.ExplainedSounds == 0, "%d sounds about alerts their cause explains", n.ExplainedSounds)
	fail(n.Unaudited == 0, "%d calls without their members", n.Unaudited)
	return out
}

// SoundShare is sounds per alert instance.
func (n *Noise) SoundShare() float64 {
	if n.Alerts == 0 {
		return 0
	}
	return float64(n.Sounds) / float64(n.Alerts)
}

// Judge says how to judge a measurement beyond the truth.
type Judge struct {
	// NightTargets are the targets ("slack:oncall-slack") configured to
	// sound outside business hours for less than critical incidents.
	NightTargets []string
}

// ExampleJudge is how the example configuration is judged: its on-call
// channel is the one watched at night.
var ExampleJudge = Judge{NightTargets: []string{"slack:oncall-slack"}}

// Measure replays records through cfg with its simulated clock and
// rehearsing notifiers, with the enrichment serve runs (runbooks and
// their quiet windows; no LLM, no PagerDuty schedules), and judges the
// calls against truth.
func Measure(ctx context.Context, cfg *config.Config, records []replay.Record, truth *Truth) (*Noise, error) {
	return ExampleJudge.Measure(ctx, cfg, records, truth)
}

// Measure is the package Measure, judged by j.
func (j Judge) Measure(ctx context.Context, cfg *config.Config, records []replay.Record, truth *Truth) (*Noise, error) {
	rs, err := rules.New(cfg)
	if err != nil {
		return nil, err
	}
	rbs, err := enrich.LoadRunbooks(cfg)
	if err != nil {
		return nil, err
	}
	gate := func(cfg *config.Config, now func() time.Time, sink notify.CallSink) (replay.Gate, error) {
		return router.NewReplay(cfg, now, sink, func(store.Store) (router.ReplayEnricher, error) {
			return enrich.New(enrich.Options{Runbooks: rbs, Now: now, Logger: slog.New(slog.DiscardHandler)}), nil
		})
	}
	jd := &judging{j: j, rs: rs, truth: truth, first: map[string]delivery{}, incidentFirst: map[string]time.Time{}, pages: map[string]int{}}
	if err := jd.deliveries(ctx, cfg, records); err != nil {
		return nil, err
	}
	res, err := replay.Run(ctx, gate, cfg, replay.Records(records), replay.Options{OnCall: jd.call})
	if err != nil {
		return nil, err
	}
	n := &Noise{
		Seed:        truth.Seed,
		Correlation: cfg.Correlation.Enabled,
		Webhooks:    res.Records,
		Rejected:    res.Rejected,
		Alerts:      res.Alerts,
		Episodes:    Episodes(records),
		Calls:       res.Calls,
		Sounds:      res.Sounds,
		Effects:     res.Effects,
		PerTarget:   jd.perTarget,
		Pages:       res.Pages(),
		Incidents:   len(res.Incidents),
		Truth:       len(truth.Incidents),
	}
	jd.judge(n)
	return n, nil
}

// delivery is when a real incident's first alert was first delivered,
// and that alert as alertgate normalized it.
type delivery struct {
	at    time.Time
	alert alert.Alert
}

// judging collects what the judge needs while the replay runs: it never
// keeps the calls themselves.
type judging struct {
	j     Judge
	rs    *rules.Rules
	truth *Truth
	// first is each real incident's first delivery.
	first map[string]delivery
	// incidentFirst is when each alertgate incident made its first call.
	incidentFirst map[string]time.Time
	// told and own are the first call showing each real incident, and
	// the first page or post of an incident of its own.
	told, own map[string]time.Time
	pages     map[string]int
	perTarget map[string]int

	wrongPages          []string
	nightSounds         int
	explainedSounds     int
	unaudited           int
	causeFired          map[string]time.Time
	wrongPagesPerIncide map[string]bool
}

// deliveries finds each real incident's first delivery by parsing the
// trace with alertgate's own source parsers.
func (jd *judging) deliveries(ctx context.Context, cfg *config.Config, records []replay.Record) error {
	parsers := map[alert.Source]source.Receiver{}
	c := *cfg
	c.Sources.CloudWatch.SkipSignatureVerification, c.Sources.CloudWatch.AutoConfirm = true, false
	for _, k := range builtin.Registry() {
		parsers[k.Name] = k.New(&c.Sources, source.Deps{Now: time.Now, Logger: slog.New(slog.DiscardHandler)})
	}
	for _, r := range records {
		p, ok := parsers[r.Source]
		if !ok {
			continue
		}
		h := http.Header{}
		for k, v := range r.Header {
			h.Set(k, v)
		}
		body := []byte(r.Body)
		if len(body) > 0 && body[0] == '"' {
			continue // a plain-text body: no alert of the truth
		}
		b, err := p.Receive(ctx, h, body)
		if err != nil {
			continue
		}
		for _, a := range b.Alerts {
			if !a.Firing() {
				continue
			}
			jd.rs.MapService(&a)
			for _, in := range jd.truth.Incidents {
				if _, seen := jd.first[in.ID]; !seen && matchesAny(in.Alerts, a.Labels) {
					jd.first[in.ID] = delivery{r.At, a}
				}
			}
		}
	}
	return nil
}

// call judges one provider call as the replay makes it.
func (jd *judging) call(c replay.Call, n *notify.Notification) {
	if jd.perTarget == nil {
		jd.perTarget, jd.told, jd.own, jd.causeFired = map[string]int{}, map[string]time.Time{}, map[string]time.Time{}, map[string]time.Time{}
	}
	if _, ok := jd.incidentFirst[c.Incident]; !ok {
		jd.incidentFirst[c.Incident] = c.At
	}
	if len(c.Members) == 0 {
		jd.unaudited++
	}
	firing := n.Firing()
	target := c.Target + ":" + c.Receiver
	if c.Sound {
		jd.perTarget[target]++
		if !jd.rs.InBusinessHours(c.At) && c.Severity != alert.SeverityCritical && !slices.Contains(jd.j.NightTargets, target) {
			jd.nightSounds++
		}
	}
	paged := false
	for _, in := range jd.truth.Incidents {
		if !anyMember(in.Alerts, firing) {
			continue
		}
		if _, ok := jd.told[in.ID]; !ok {
			jd.told[in.ID] = c.At
		}
		fresh := jd.incidentFirst[c.Incident].Equal(c.At)
		if _, ok := jd.own[in.ID]; !ok && fresh && (c.Effect == notify.EffectPage || c.Effect == notify.EffectPost) {
			jd.own[in.ID] = c.At
		}
		if _, ok := jd.causeFired[in.ID]; !ok {
			jd.causeFired[in.ID] = c.At
		}
		if c.Effect == notify.EffectPage {
			jd.pages[in.ID]++
			paged = true
			if in.Page == PageNever {
				jd.wrongPages = append(jd.wrongPages, in.ID)
			}
		}
	}
	if c.Effect == notify.EffectPage && !paged {
		jd.wrongPages = append(jd.wrongPages, "noise: "+c.Title)
	}
	if c.Sound && jd.soundsExplained(c.At, firing) {
		jd.explainedSounds++
	}
}

// soundsExplained reports whether a sound shows an alert explained by a
// cause that was already told, without the cause itself.
func (jd *judging) soundsExplained(at time.Time, firing []notify.Member) bool {
	for _, e := range jd.truth.Explained {
		fired, ok := jd.causeFired[e.Cause]
		cause := jd.incident(e.Cause)
		// While the cause lasts, and its effects recover after it: a pod
		// of the failed node crash-looping in the afternoon is news.
		if !ok || !at.After(fired) || cause != nil && at.After(cause.End.Add(explainedFor)) {
			continue
		}
		if anyMember([]Labels{e.Alert}, firing) && (cause == nil || !anyMember(cause.Alerts, firing)) {
			return true
		}
	}
	return false
}

func (jd *judging) incident(id string) *Incident {
	for i := range jd.truth.Incidents {
		if jd.truth.Incidents[i].ID == id {
			return &jd.truth.Incidents[i]
		}
	}
	return nil
}

// judge fills n's verdicts once the replay is over.
func (jd *judging) judge(n *Noise) {
	for _, in := range jd.truth.Incidents {
		if _, ok := jd.told[in.ID]; !ok {
			n.Missed = append(n.Missed, in.ID)
			continue
		}
		own, ok := jd.own[in.ID]
		if d, delivered := jd.first[in.ID]; !ok || !delivered || own.Sub(jd.due(d)) > MaxTellDelay {
			n.NotOwn = append(n.NotOwn, in.ID)
		}
		switch p := jd.pages[in.ID]; {
		case in.Page == PageMust && p == 0:
			n.Unpaged = append(n.Unpaged, in.ID)
		case in.Page != PageNever && p > 1:
			n.ExtraPages = append(n.ExtraPages, fmt.Sprintf("%s (%d)", in.ID, p))
		}
	}
	n.WrongPages = slices.Compact(slices.Sorted(slices.Values(jd.wrongPages)))
	n.NightSounds, n.ExplainedSounds, n.Unaudited = jd.nightSounds, jd.explainedSounds, jd.unaudited
}

// due is when the configuration lets an incident first delivered as d
// be told: at once, or when the routes of its alert stop holding it
// (mute intervals, and quiet hours for less than critical alerts). The
// earliest of its routes wins.
func (jd *judging) due(d delivery) time.Time {
	var best time.Time
	for _, m := range jd.rs.Match(&d.alert) {
		t := d.at
		for end := t.Add(48 * time.Hour); t.Before(end) && jd.holds(m.Route, &d.alert, t); t = t.Add(time.Minute).Truncate(time.Minute) {
		}
		if best.IsZero() || t.Before(best) {
			best = t
		}
	}
	if best.IsZero() {
		return d.at
	}
	return best
}

// holds reports whether a route holds an alert back at t.
func (jd *judging) holds(r *rules.Route, a *alert.Alert, t time.Time) bool {
	if _, muted := jd.rs.TimeMuted(r, t); muted {
		return true
	}
	return !jd.rs.Sounds(r, a.Severity, t)
}

func anyMember(sets []Labels, members []notify.Member) bool {
	for _, m := range members {
		if matchesAny(sets, m.Labels) {
			return true
		}
	}
	return false
}

// WriteComparison prints the figures of each measurement side by side,
// with the sounds per target.
func WriteComparison(w io.Writer, ms ...*Noise) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	row := func(name string, f func(*Noise) string) {
		fmt.Fprint(tw, name+"\t")
		for _, m := range ms {
			fmt.Fprint(tw, f(m)+"\t")
		}
		fmt.Fprintln(tw)
	}
	row("seed", func(m *Noise) string { return fmt.Sprint(m.Seed) })
	row("correlation", func(m *Noise) string { return map[bool]string{true: "on", false: "off"}[m.Correlation] })
	row("webhooks in (rejected)", func(m *Noise) string { return fmt.Sprintf("%d (%d)", m.Webhooks, m.Rejected) })
	row("alert instances in", func(m *Noise) string { return fmt.Sprint(m.Alerts) })
	row("  distinct alert episodes", func(m *Noise) string { return fmt.Sprint(m.Episodes) })
	row("provider calls out", func(m *Noise) string { return fmt.Sprint(m.Calls) })
	for _, e := range []notify.Effect{notify.EffectPage, notify.EffectPost, notify.EffectReply, notify.EffectEdit, notify.EffectPageUpdate, notify.EffectPageAck, notify.EffectPageResolve} {
		row("  "+string(e), func(m *Noise) string { return fmt.Sprint(m.Effects[e]) })
	}
	row("sounds (pages + posts + replies)", func(m *Noise) string {
		return fmt.Sprintf("%d (%.2f %%)", m.Sounds, 100*m.SoundShare())
	})
	targets := map[string]bool{}
	for _, m := range ms {
		for t := range m.PerTarget {
			targets[t] = true
		}
	}
	for _, t := range slices.Sorted(maps.Keys(targets)) {
		row("  "+t, func(m *Noise) string { return fmt.Sprint(m.PerTarget[t]) })
	}
	row("incidents opened", func(m *Noise) string { return fmt.Sprint(m.Incidents) })
	row("real incidents missed", func(m *Noise) string { return fmt.Sprintf("%d of %d", len(m.Missed), m.Truth) })
	row("  without own page/post in 60 s", func(m *Noise) string { return fmt.Sprint(len(m.NotOwn)) })
	row("paging incidents not paged", func(m *Noise) string { return fmt.Sprint(len(m.Unpaged)) })
	row("incidents paged more than once", func(m *Noise) string { return fmt.Sprint(len(m.ExtraPages)) })
	row("pages that must not happen", func(m *Noise) string { return fmt.Sprint(len(m.WrongPages)) })
	row("non-critical sounds at night", func(m *Noise) string { return fmt.Sprint(m.NightSounds) })
	row("sounds of explained alerts", func(m *Noise) string { return fmt.Sprint(m.ExplainedSounds) })
	row("calls without members", func(m *Noise) string { return fmt.Sprint(m.Unaudited) })
	return tw.Flush()
}

// operatorCatalog is the service catalog an operator of the storm's
// cluster writes on top of the example configuration's.
//
//go:embed catalog.yml
var operatorCatalog []byte

// LoadConfig loads a configuration as a bare machine would (no
// environment: every ${VAR:-default} takes its default), adds the
// operator's service catalog (services it does not define already), and
// overrides correlation.enabled with correlate. The file is not changed.
func LoadConfig(path string, correlate bool) (*config.Config, error) {
	cfg, err := config.LoadFile(path, func(string) (string, bool) { return "", false })
	if err != nil {
		return nil, err
	}
	var extra struct {
		Services []config.Service `yaml:"services"`
	}
	dec := yaml.NewDecoder(bytes.NewReader(operatorCatalog))
	dec.KnownFields(true)
	if err := dec.Decode(&extra); err != nil {
		return nil, fmt.Errorf("storm catalog: %w", err)
	}
	for _, s := range extra.Services {
		if !slices.ContainsFunc(cfg.Services, func(c config.Service) bool { return c.Name == s.Name }) {
			cfg.Services = append(cfg.Services, s)
		}
	}
	cfg.Correlation.Enabled = correlate
	cfg.Enrich.RunbooksDir = findDir(cfg.Enrich.RunbooksDir, path)
	return cfg, cfg.Validate()
}

// findDir finds a directory the configuration at path names relative to
// where alertgate runs (the repository root, for the example): as it
// is, or next to the configuration file or its parent.
func findDir(dir, path string) string {
	if dir == "" || filepath.IsAbs(dir) {
		return dir
	}
	for _, base := range []string{".", filepath.Dir(path), filepath.Dir(filepath.Dir(path))} {
		if st, err := os.Stat(filepath.Join(base, dir)); err == nil && st.IsDir() {
			return filepath.Join(base, dir)
		}
	}
	return dir
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

// summary is one line per measurement, for logs.
func (n *Noise) summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "seed %d: %d alerts, %d webhooks, %d calls, %d sounds (%.2f %%), %d pages", n.Seed, n.Alerts, n.Webhooks, n.Calls, n.Sounds, 100*n.SoundShare(), n.Pages)
	return b.String()
}
