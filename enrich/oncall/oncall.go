// Package oncall tells who is on call for a receiver: from a PagerDuty
// schedule (asked through the REST API and cached) or from a local weekly
// rotation in the configuration.
package oncall

import (
	"context"
	"crypto/sha256"
	"fmt"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/PagerDuty/go-pagerduty"

	"github.com/alertgate/alertgate/config"
)

// schedule answers who is on call at a given time.
type schedule interface {
	at(ctx context.Context, t time.Time) (string, error)
	describe() string
}

// table is one configuration's schedules and the receivers naming them.
type table struct {
	schedules map[string]schedule // by on-call name
	receivers map[string]string   // receiver -> on-call name
}

// Directory answers who is on call for a receiver. It is safe for
// concurrent use. A reload swaps its schedules, but a PagerDuty schedule
// that stays the same keeps its cached answer: a reload must not send a
// burst of REST calls, nor lose the last answer it would fall back on.
type Directory struct {
	mu sync.Mutex
	// pd are the PagerDuty schedules ever compiled, by schedule, URL and
	// token; a reload reuses them.
	pd  map[[sha256.Size]byte]*pdSchedule
	cur *table
}

// New compiles the on-call schedules of cfg.
func New(cfg *config.Config) (*Directory, error) {
	d := &Directory{pd: map[[sha256.Size]byte]*pdSchedule{}}
	commit, err := d.Prepare(cfg)
	if err != nil {
		return nil, err
	}
	commit()
	return d, nil
}

// Prepare compiles cfg's schedules and returns the function that puts
// them in place; nothing changes until it is called, so a reload can
// prepare every part first and commit only when all compiled.
func (d *Directory) Prepare(cfg *config.Config) (commit func(), err error) {
	t := &table{schedules: map[string]schedule{}, receivers: map[string]string{}}
	fresh := map[[sha256.Size]byte]*pdSchedule{}
	for _, oc := range cfg.OnCall {
		switch {
		case oc.Rotation != nil:
			loc, err := time.LoadLocation(oc.Rotation.Location)
			if err != nil {
				return nil, fmt.Errorf("on-call %s: %w", oc.Name, err)
			}
			t.schedules[oc.Name] = &rotation{cfg: *oc.Rotation, loc: loc}
		case oc.PagerDuty != nil:
			pd := oc.PagerDuty
			k := sha256.Sum256([]byte(pd.ScheduleID + "\x00" + pd.URL + "\x00" + pd.Token.Reveal()))
			s := d.pdSchedule(k)
			if s == nil {
				s = &pdSchedule{id: pd.ScheduleID, client: pagerduty.NewClient(pd.Token.Reveal(), pagerduty.WithAPIEndpoint(pd.URL))}
			}
			s.setCacheFor(time.Duration(pd.CacheFor))
			fresh[k] = s
			t.schedules[oc.Name] = s
		}
	}
	for _, rc := range cfg.Receivers {
		if rc.OnCall != "" {
			t.receivers[rc.Name] = rc.OnCall
		}
	}
	return func() {
		d.mu.Lock()
		defer d.mu.Unlock()
		d.cur, d.pd = t, fresh
	}, nil
}

func (d *Directory) pdSchedule(k [sha256.Size]byte) *pdSchedule {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.pd[k]
}

// OnCall returns who is on call at t for a receiver, and a description of
// the schedule; "" when the receiver names no schedule.
func (d *Directory) OnCall(ctx context.Context, receiver string, t time.Time) (name, schedule string, err error) {
	d.mu.Lock()
	cur := d.cur
	d.mu.Unlock()
	s, ok := cur.schedules[cur.receivers[receiver]]
	if !ok {
		return "", "", nil
	}
	name, err = s.at(ctx, t)
	return name, s.describe(), err
}

// rotation is a local weekly rotation.
type rotation struct {
	cfg config.Rotation
	loc *time.Location
}

// at returns the member on call at t: one handover per week since the
// first handover at or before the start date.
func (r *rotation) at(_ context.Context, t time.Time) (string, error) {
	first := r.handoverAtOrBefore(time.Date(r.cfg.Start.Year(), r.cfg.Start.Month(), r.cfg.Start.Day(), 23, 59, 59, 0, r.loc))
	// Rounding absorbs the hour a daylight-saving change adds or removes.
	weeks := int(math.Round(r.handoverAtOrBefore(t).Sub(first).Hours() / (24 * 7)))
	n := len(r.cfg.Members)
	return r.cfg.Members[((weeks%n)+n)%n], nil
}

// handoverAtOrBefore returns the latest handover moment not after t.
func (r *rotation) handoverAtOrBefore(t time.Time) time.Time {
	t = t.In(r.loc)
	h := r.cfg.Handover
	day := time.Date(t.Year(), t.Month(), t.Day(), h.Minute/60, h.Minute%60, 0, 0, r.loc)
	back := (int(t.Weekday()) - int(h.Weekday) + 7) % 7
	day = day.AddDate(0, 0, -back)
	if day.After(t) {
		day = day.AddDate(0, 0, -7)
	}
	return day
}

func (r *rotation) describe() string {
	v, _ := r.cfg.Handover.MarshalYAML()
	return fmt.Sprintf("weekly rotation of %s, handover %v", strings.Join(r.cfg.Members, ", "), v)
}

// pdSchedule asks PagerDuty who is on call for a schedule, and remembers
// the answer for a while: the page must not wait for the REST API.
type pdSchedule struct {
	id     string
	client *pagerduty.Client

	mu       sync.Mutex
	cacheFor time.Duration
	name     string
	fetched  time.Time
}

func (p *pdSchedule) setCacheFor(d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cacheFor = d
}

func (p *pdSchedule) at(ctx context.Context, t time.Time) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.name != "" && t.Sub(p.fetched) < p.cacheFor && !t.Before(p.fetched) {
		return p.name, nil
	}
	resp, err := p.client.ListOnCallsWithContext(ctx, pagerduty.ListOnCallOptions{
		ScheduleIDs: []string{p.id},
		Since:       t.UTC().Format(time.RFC3339),
		Until:       t.Add(time.Minute).UTC().Format(time.RFC3339),
		Earliest:    true,
	})
	if err != nil {
		if p.name != "" {
			return p.name, nil // stale beats nothing at 3 a.m.
		}
		return "", fmt.Errorf("pagerduty on-call for schedule %s: %w", p.id, err)
	}
	if len(resp.OnCalls) == 0 {
		return "", fmt.Errorf("pagerduty schedule %s has nobody on call", p.id)
	}
	u := resp.OnCalls[0].User
	p.name = u.Summary
	if p.name == "" {
		p.name = u.Name
	}
	p.fetched = t
	return p.name, nil
}

func (p *pdSchedule) describe() string { return "PagerDuty schedule " + p.id }
