package web

import (
	"cmp"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/incident"
	"github.com/alertgate/alertgate/report"
	"github.com/alertgate/alertgate/router/notify"
)

// IncidentView is the Incident page.
type IncidentView struct {
	Incident incident.Incident
	Open     bool
	// MTTA and MTTR are "" until known.
	MTTA, MTTR string
	Timeline   []incident.Event
	Members    []MemberView
	// MembersFromTimeline says the group is gone (the incident is over),
	// so members are listed from the timeline, without labels.
	MembersFromTimeline bool
	Route               string
	Escalated           []string
	Runbook             *notify.Runbook
	Summary             string
	// Impact is what the runbook says users see.
	Impact string
	// SilenceMatchers prefills the silence form: the group's labels.
	SilenceMatchers string
	Documents       []Document
}

// Document is a draft of an incident document. On the Incident page,
// Text is the link to the draft's own page; there, the draft itself.
type Document struct {
	ID, Title, Lang, Text, Incident string
}

// MemberView is one alert of the incident.
type MemberView struct {
	Name, Status, Severity, Source, Fingerprint string
	Labels                                      []Label
	Links                                       []Link
	StartsAt, Joined                            time.Time
	// Why says how the alert joined: route, correlation, and what held
	// it back (silence, inhibition).
	Why []string
}

// Label is one label.
type Label struct{ Name, Value string }

// Link is a link to somewhere else.
type Link struct{ Text, URL string }

// IncidentInput is what the Incident page is made of.
type IncidentInput struct {
	Incident incident.Incident
	Events   []incident.Event
	// Members are the group's current members; GroupKnown is false when
	// the group is gone or holds a newer occurrence.
	Members    []incident.Member
	GroupKnown bool
	Route      string
	Escalated  []string
	Runbook    *notify.Runbook
	Summary    string
	Impact     string
	Documents  []Document
}

// NewIncidentView builds the Incident page.
func NewIncidentView(in IncidentInput) IncidentView {
	inc := in.Incident
	f := report.FactsOf(inc, in.Events)
	v := IncidentView{
		Incident: inc, Open: inc.Status != incident.StatusResolved, Timeline: in.Events,
		Route: in.Route, Escalated: in.Escalated, Runbook: in.Runbook, Summary: in.Summary, Impact: in.Impact, Documents: in.Documents,
	}
	if d := f.MTTA(); d > 0 {
		v.MTTA = Duration(d)
	}
	if d := f.MTTR(); d > 0 {
		v.MTTR = Duration(d)
	}
	held := heldBack(in.Events)
	if in.GroupKnown {
		for _, m := range in.Members {
			v.Members = append(v.Members, memberView(m, in.Route, held[m.Alert.Fingerprint]))
		}
	} else {
		v.MembersFromTimeline = true
		v.Members = membersOf(in.Events, held)
	}
	v.SilenceMatchers = silenceMatchers(inc.Labels, in.Members)
	return v
}

func memberView(m incident.Member, route string, held []string) MemberView {
	a := m.Alert
	mv := MemberView{Name: a.Name, Status: string(a.Status), Severity: string(a.Severity), Source: string(a.Source),
		Fingerprint: string(a.Fingerprint), StartsAt: a.StartsAt, Joined: m.Joined}
	for _, k := range slices.Sorted(maps.Keys(a.Labels)) {
		mv.Labels = append(mv.Labels, Label{k, a.Labels[k]})
	}
	if u := a.GeneratorURL; usable(u) {
		mv.Links = append(mv.Links, Link{"Open in " + generatorTitle(a.Source), u})
	}
	if u := a.SourceURL; usable(u) && u != a.GeneratorURL {
		mv.Links = append(mv.Links, Link{a.Source.Title(), u})
	}
	if route != "" {
		mv.Why = append(mv.Why, "route "+route)
	}
	if c := a.Annotations["correlation"]; c != "" {
		mv.Why = append(mv.Why, "correlation: "+c)
	}
	if m.Flapping {
		mv.Why = append(mv.Why, "flapping: transitions held back until it is stable")
	}
	mv.Why = append(mv.Why, held...)
	return mv
}

// heldBack collects, per alert, why it was silenced or inhibited.
func heldBack(events []incident.Event) map[alert.Fingerprint][]string {
	out := map[alert.Fingerprint][]string{}
	for _, e := range events {
		if e.Fingerprint != "" && (e.Type == incident.EventSilenced || e.Type == incident.EventInhibited) {
			out[e.Fingerprint] = append(out[e.Fingerprint], string(e.Type)+": "+e.Detail)
		}
	}
	return out
}

// membersOf lists the alerts a timeline names, for an incident whose
// group is gone.
func membersOf(events []incident.Event, held map[alert.Fingerprint][]string) []MemberView {
	byFP := map[alert.Fingerprint]*MemberView{}
	var order []alert.Fingerprint
	for _, e := range events {
		if e.Fingerprint == "" {
			continue
		}
		mv := byFP[e.Fingerprint]
		if mv == nil {
			mv = &MemberView{Name: e.Alert, Fingerprint: string(e.Fingerprint), Status: string(alert.StatusFiring), Why: held[e.Fingerprint]}
			byFP[e.Fingerprint] = mv
			order = append(order, e.Fingerprint)
		}
		switch e.Type {
		case incident.EventOccurred:
			mv.StartsAt = e.At
		case incident.EventDetected:
			mv.Joined, mv.Source = e.At, strings.SplitN(e.Detail, ";", 2)[0]
			if _, why, ok := strings.Cut(e.Detail, "joined: "); ok {
				mv.Why = append(mv.Why, "correlation: "+why)
			}
		case incident.EventResolved:
			mv.Status = string(alert.StatusResolved)
		}
	}
	out := make([]MemberView, 0, len(order))
	for _, fp := range order {
		out = append(out, *byFP[fp])
	}
	return out
}

// silenceMatchers proposes matchers for silencing the incident: its
// group labels, else its alert names.
func silenceMatchers(labels map[string]string, members []incident.Member) string {
	var ms []string
	for _, k := range slices.Sorted(maps.Keys(labels)) {
		ms = append(ms, k+"="+strconv.Quote(labels[k]))
	}
	if len(ms) == 0 {
		names := map[string]bool{}
		for _, m := range members {
			names[m.Alert.Name] = true
		}
		if len(names) > 0 {
			ms = append(ms, alert.LabelAlertName+"=~"+strconv.Quote(strings.Join(slices.Sorted(maps.Keys(names)), "|")))
		}
	}
	return "{" + strings.Join(ms, ", ") + "}"
}

// SortMembers orders members firing first, then by severity and start.
func SortMembers(ms []incident.Member) {
	slices.SortStableFunc(ms, func(a, b incident.Member) int {
		return cmp.Or(
			cmp.Compare(statusRank(b.Alert.Status), statusRank(a.Alert.Status)),
			cmp.Compare(b.Alert.Severity.Rank(), a.Alert.Severity.Rank()),
			a.Alert.StartsAt.Compare(b.Alert.StartsAt),
		)
	})
}

func statusRank(s alert.Status) int {
	if s == alert.StatusFiring {
		return 1
	}
	return 0
}

// generatorTitle names what an alert's generator URL opens: the
// Prometheus expression behind an Alertmanager alert, the CloudWatch
// alarm, the New Relic issue.
func generatorTitle(s alert.Source) string {
	if s == alert.SourceAlertmanager {
		return "Prometheus"
	}
	return s.Title()
}

func usable(u string) bool {
	return strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "http://")
}
