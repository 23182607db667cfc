package rules

import (
	"context"
	"fmt"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/PagerDuty/go-pagerduty"

	"github.com/alertgate/alertgate/config"
)

// onCall answers who is on call for one schedule at a given time.
type onCall interface {
	at(ctx context.Context, t time.Time) (string, error)
	describe() string
}

func compileOnCall(cfg []config.OnCall) (map[string]onCall, error) {
	out := map[string]onCall{}
	for _, oc := range cfg {
		switch {
		case oc.Rotation != nil:
			loc, err := time.LoadLocation(oc.Rotation.Location)
			if err != nil {
				return nil, fmt.Errorf("on-call %s: %w", oc.Name, err)
			}
			out[oc.Name] = &rotation{cfg: *oc.Rotation, loc: loc}
		case oc.PagerDuty != nil:
			pd := oc.PagerDuty
			out[oc.Name] = &pdSchedule{
				id:       pd.ScheduleID,
				client:   pagerduty.NewClient(pd.Token.Reveal(), pagerduty.WithAPIEndpoint(pd.URL)),
				cacheFor: time.Duration(pd.CacheFor),
			}
		}
	}
	return out, nil
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
	return fmt.Sprintf("weekly rotation of %s, handover %s", strings.Join(r.cfg.Members, ", "), mustYAML(r.cfg.Handover))
}

func mustYAML(w config.Weekly) string {
	v, _ := w.MarshalYAML()
	return fmt.Sprint(v)
}

// pdSchedule asks PagerDuty who is on call for a schedule, and remembers
// the answer for a while: the page must not wait for the REST API.
type pdSchedule struct {
	id       string
	client   *pagerduty.Client
	cacheFor time.Duration

	mu      sync.Mutex
	name    string
	fetched time.Time
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

// OnCall returns who is on call at t for a receiver, and a description of
// the schedule; "" when the receiver names no schedule.
func (r *Rules) OnCall(ctx context.Context, receiver string, t time.Time) (name, schedule string, err error) {
	rc, ok := r.receivers[receiver]
	if !ok || rc.OnCall == "" {
		return "", "", nil
	}
	oc := r.oncall[rc.OnCall]
	name, err = oc.at(ctx, t)
	return name, oc.describe(), err
}
