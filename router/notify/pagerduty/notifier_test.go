package pagerduty

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/router/notify"
	"github.com/alertgate/alertgate/router/notify/pagerduty/pdtest"
	"github.com/alertgate/alertgate/router/store"
	"github.com/alertgate/alertgate/router/store/memory"
)

func TestNotify_LifecycleSharesOneDedupKeyAndResolvesTheAlert(t *testing.T) {
	long := strings.Repeat("group/", 60) // 360 bytes: over PagerDuty's 255
	for _, incident := range []string{"inc-1", long} {
		t.Run(alert.Truncate(incident, 16), func(t *testing.T) {
			f := newFixture(t, nil)
			m := firing("HighLatency", nil)
			steps := []struct {
				kind      notify.Kind
				members   []notify.Member
				wantState string
			}{
				{notify.KindTrigger, []notify.Member{m}, pdtest.StateTriggered},
				{notify.KindUpdate, []notify.Member{m, firing("Errors", nil)}, pdtest.StateTriggered},
				{notify.KindAcknowledge, []notify.Member{m}, pdtest.StateAcknowledged},
				{notify.KindRepeat, []notify.Member{m}, pdtest.StateAcknowledged},
				{notify.KindResolve, []notify.Member{resolved(m)}, pdtest.StateResolved},
			}
			var key string
			for _, s := range steps {
				nt := notification(s.kind, s.members...)
				nt.Incident = incident
				if err := f.n.Notify(t.Context(), nt); err != nil {
					t.Fatalf("%s: %v", s.kind, err)
				}
				evs := f.pd.Events()
				ev := evs[len(evs)-1]
				if key == "" {
					key = ev.DedupKey
				}
				if ev.DedupKey != key || len(key) > pdtest.MaxDedupKeyLen {
					t.Errorf("%s: dedup_key %q, want %q (at most 255 characters)", s.kind, ev.DedupKey, key)
				}
				if got := f.pd.Incident(key); got != s.wantState {
					t.Errorf("after %s the alert is %q, want %q", s.kind, got, s.wantState)
				}
			}
			wantActions := []string{"trigger", "trigger", "acknowledge", "trigger", "resolve"}
			for i, ev := range f.pd.Events() {
				if ev.Action != wantActions[i] {
					t.Errorf("event %d action %q, want %q", i, ev.Action, wantActions[i])
				}
			}
		})
	}
}

func TestNotify_SummaryIsTruncatedAt1024BytesWithoutSplittingCharacters(t *testing.T) {
	tests := []struct {
		name       string
		title      string
		firing     int
		wantPrefix string
		wantLen    int // 0: as long as the title plus prefix
	}{
		{"short title of one alert", "ディスク使用率が高い", 1, "ディスク使用率が高い", 0},
		{"the title counts the alerts, once", "High latency (+2 more)", 3, "High latency (+2 more)", 0},
		{"long multibyte title", strings.Repeat("障害", 600), 3, "障害", 1024},
		{"long ASCII title", strings.Repeat("x", 5000), 1, "xxx", 1024},
		{"newlines folded", "High\nlatency\t on api", 1, "High latency on api", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, nil)
			nt := notification(notify.KindTrigger, manyMembers(tt.firing, nil)...)
			nt.Title = tt.title
			if err := f.n.Notify(t.Context(), nt); err != nil {
				t.Fatal(err)
			}
			s := f.only(t).Payload.Summary
			if !utf8.ValidString(s) || !strings.HasPrefix(s, tt.wantPrefix) {
				t.Errorf("summary %.60q..., want valid UTF-8 starting with %q", s, tt.wantPrefix)
			}
			if tt.wantLen > 0 && (len(s) > tt.wantLen || len(s) < tt.wantLen-4 || !strings.HasSuffix(s, "…")) {
				t.Errorf("summary is %d bytes, want at most %d, cut with an ellipsis", len(s), tt.wantLen)
			}
		})
	}
}

func TestNotify_StormIncidentStaysOneBoundedValidEvent(t *testing.T) {
	bigLabels := map[string]string{}
	for i := range 60 {
		bigLabels[strings.Repeat("l", 100)+string(rune('a'+i%26))+string(rune('a'+i/26))] = strings.Repeat("v", alert.MaxLabelValueLen)
	}
	tests := []struct {
		name        string
		members     []notify.Member
		wantListed  int
		wantShrunk  bool
		annotations string
	}{
		{"500 ordinary members", manyMembers(500, map[string]string{"job": "node"}), maxMembers, false, ""},
		{"500 members with maximal labels", manyMembers(500, bigLabels), -1, true, ""},
		{"long annotations", manyMembers(3, nil), 3, false, strings.Repeat("é", alert.MaxAnnotationLen/2)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, nil)
			for i := range tt.members {
				if tt.annotations != "" {
					tt.members[i].Annotations = map[string]string{"description": tt.annotations}
				}
			}
			nt := notification(notify.KindTrigger, tt.members...)
			if err := f.n.Notify(t.Context(), nt); err != nil {
				t.Fatal(err)
			}
			ev := f.only(t)
			if ev.Size > maxEventBytes {
				t.Errorf("event is %d bytes, over the %d budget", ev.Size, maxEventBytes)
			}
			d := customDetails(t, ev)
			if tt.wantListed >= 0 && len(d.Members) != tt.wantListed {
				t.Errorf("%d members listed, want %d", len(d.Members), tt.wantListed)
			}
			if hidden := len(tt.members) - len(d.Members); hidden > 0 && d.More != "and "+strconv.Itoa(hidden)+" more" {
				t.Errorf("more_members %q, want %q", d.More, "and "+strconv.Itoa(hidden)+" more")
			}
			if d.Firing != len(tt.members) {
				t.Errorf("firing %d, want %d", d.Firing, len(tt.members))
			}
			for _, m := range d.Members {
				if v := m.Annotations["description"]; len(v) > maxAnnotationBytes || !utf8.ValidString(v) {
					t.Errorf("annotation of %d bytes (valid UTF-8: %v), want at most %d", len(v), utf8.ValidString(v), maxAnnotationBytes)
				}
			}
			if shrunk := strings.Contains(f.logs.String(), "shrunk"); shrunk != tt.wantShrunk {
				t.Errorf("shrink warning logged: %v, want %v", shrunk, tt.wantShrunk)
			}
		})
	}
}

func TestNotify_SeverityMapsOntoPagerDutyEnum(t *testing.T) {
	tests := []struct {
		in   alert.Severity
		want string
	}{
		{alert.SeverityCritical, "critical"},
		{alert.SeverityWarning, "warning"},
		{alert.SeverityInfo, "info"},
		{"", "error"},
		{"page", "error"},
	}
	for _, tt := range tests {
		t.Run(string(tt.in), func(t *testing.T) {
			f := newFixture(t, nil)
			nt := notification(notify.KindTrigger, firing("A", nil))
			nt.Severity = tt.in
			if err := f.n.Notify(t.Context(), nt); err != nil {
				t.Fatal(err)
			}
			if got := f.only(t).Payload.Severity; got != tt.want {
				t.Errorf("severity %q, want %q", got, tt.want)
			}
		})
	}
}

func TestNotify_PayloadNamesTheAffectedSystem(t *testing.T) {
	cw := firing("CPUHigh", map[string]string{"DBClusterIdentifier": "orders-db"})
	cw.Source = alert.SourceCloudWatch
	bare := firing("Backup", nil)
	bare.Source = alert.SourceCloudWatch
	tests := []struct {
		name                                string
		members                             []notify.Member
		group                               map[string]string
		source, component, groupName, class string
	}{
		{"service wins", []notify.Member{firing("A", map[string]string{"instance": "web-1:9100", "pod": "p", "service": "api", "namespace": "prod"})}, nil, "api", "api", "prod", "A"},
		{"host before pod", []notify.Member{firing("A", map[string]string{"instance": "web-1:9100", "pod": "p", "namespace": "prod"})}, nil, "web-1:9100", "", "prod", "A"},
		{"pod, cluster as group", []notify.Member{firing("B", map[string]string{"pod": "api-7f9", "cluster": "tokyo"})}, nil, "api-7f9", "", "tokyo", "B"},
		{"CloudWatch dimension", []notify.Member{cw}, nil, "orders-db", "", "", "CPUHigh"},
		{"source name as last resort", []notify.Member{bare}, nil, "cloudwatch", "", "", "Backup"},
		{"first firing member, group labels first", []notify.Member{resolved(firing("Old", map[string]string{"instance": "old"})), firing("New", map[string]string{"node": "n1", "service": "x"})}, map[string]string{"service": "checkout"}, "checkout", "checkout", "", "New"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, nil)
			nt := notification(notify.KindTrigger, tt.members...)
			nt.GroupLabels = tt.group
			if err := f.n.Notify(t.Context(), nt); err != nil {
				t.Fatal(err)
			}
			p := f.only(t).Payload
			if p.Source != tt.source || p.Component != tt.component || p.Group != tt.groupName || p.Class != tt.class {
				t.Errorf("source/component/group/class = %q/%q/%q/%q, want %q/%q/%q/%q",
					p.Source, p.Component, p.Group, p.Class, tt.source, tt.component, tt.groupName, tt.class)
			}
			if p.Timestamp != "2025-03-01T12:00:00.000Z" {
				t.Errorf("timestamp %q, want the earliest start", p.Timestamp)
			}
		})
	}
}

func TestNotify_CustomDetailsCarryEnrichmentAndLinksAreDeduplicated(t *testing.T) {
	f := newFixture(t, nil)
	a, b := firing("HighLatency", nil), firing("Errors", nil)
	b.GeneratorURL = a.GeneratorURL // same graph, same Alertmanager
	c := firing("Saturation", nil)
	c.GeneratorURL = "not a url"
	nt := notification(notify.KindTrigger, a, b, c)
	nt.Enrichment = notify.Enrichment{
		Runbook:       &notify.Runbook{ID: "api-latency", Title: "API latency", URL: "https://runbooks.example/api-latency", Steps: []string{"Check the dashboard", "Scale out"}},
		Summary:       "Latency rose after the 12:00 deploy.",
		SummarySource: "llm",
		OnCall:        "Hanako Yamada",
	}
	nt.Notes = []string{"summary from fallback"}
	nt.AckedBy = "taro"
	if err := f.n.Notify(t.Context(), nt); err != nil {
		t.Fatal(err)
	}
	ev := f.only(t)
	d := customDetails(t, ev)
	if d.Summary != nt.Enrichment.Summary || d.SummarySource != "llm" || d.OnCall != "Hanako Yamada" || d.AckedBy != "taro" {
		t.Errorf("details summary/source/on_call/acked_by = %q/%q/%q/%q", d.Summary, d.SummarySource, d.OnCall, d.AckedBy)
	}
	if d.Runbook == nil || d.Runbook.Title != "API latency" || d.Runbook.URL == "" || strings.Join(d.Runbook.Steps, "|") != "Check the dashboard|Scale out" {
		t.Errorf("runbook %+v, want title, url and both steps", d.Runbook)
	}
	if len(d.Notes) != 1 || len(d.Members) != 3 || d.Members[0].Alertname != "HighLatency" || d.Members[0].GeneratorURL == "" {
		t.Errorf("notes %q, members %+v", d.Notes, d.Members)
	}
	wantLinks := []string{"https://runbooks.example/api-latency", a.GeneratorURL, a.SourceURL}
	var got []string
	for _, l := range ev.Links {
		got = append(got, l.Href)
		if l.Text == "" {
			t.Errorf("link %s has no text", l.Href)
		}
	}
	if strings.Join(got, " ") != strings.Join(wantLinks, " ") {
		t.Errorf("links %q, want %q", got, wantLinks)
	}
	if ev.Client != "alertgate" || ev.ClientURL != a.SourceURL {
		t.Errorf("client %q %q, want alertgate and the first source URL", ev.Client, ev.ClientURL)
	}
}

func TestNotify_LinksAreCappedAtTen(t *testing.T) {
	f := newFixture(t, nil)
	members := manyMembers(30, nil)
	for i := range members {
		members[i].SourceURL = "https://am.example/" + strconv.Itoa(i)
	}
	if err := f.n.Notify(t.Context(), notification(notify.KindTrigger, members...)); err != nil {
		t.Fatal(err)
	}
	if got := len(f.only(t).Links); got != maxLinks {
		t.Errorf("%d links, want %d", got, maxLinks)
	}
}

func TestNotify_AcknowledgeAndResolveCarryOnlyTheKeys(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	for _, k := range []notify.Kind{notify.KindTrigger, notify.KindAcknowledge, notify.KindResolve} {
		if err := f.n.Notify(ctx, notification(k, firing("A", nil))); err != nil {
			t.Fatal(err)
		}
	}
	for _, ev := range f.pd.Events()[1:] {
		if ev.Payload != nil || len(ev.Links) != 0 || ev.RoutingKey != keyOnCall || ev.DedupKey != "inc-1" {
			t.Errorf("%s event %+v, want only routing_key and dedup_key", ev.Action, ev)
		}
	}
}

// TestNotify_OnlyOpenAlertsHearOfAcknowledgementsAndResolves: with an
// AlertStore the notifier knows which occurrences it opened, so an
// acknowledgement or resolve of one it never paged for is not sent, a
// quiet notification never opens an alert, and an update after the first
// page is sent on the same dedup key.
func TestNotify_OnlyOpenAlertsHearOfAcknowledgementsAndResolves(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.Alerts = memory.New(store.Options{}) })
	m := firing("HighLatency", nil)
	send := func(kind notify.Kind, quiet bool, id string) {
		t.Helper()
		nt := notification(kind, m)
		nt.IncidentID, nt.Quiet = id, quiet
		if err := f.n.Notify(t.Context(), nt); err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
	}
	send(notify.KindAcknowledge, false, "inc-1-a")
	send(notify.KindResolve, false, "inc-1-a")
	send(notify.KindUpdate, true, "inc-1-a")
	if evs := f.pd.Events(); len(evs) != 0 {
		t.Fatalf("%d events for an incident never paged, want none: %+v", len(evs), evs)
	}
	send(notify.KindTrigger, false, "inc-1-b")
	send(notify.KindUpdate, true, "inc-1-b")
	send(notify.KindAcknowledge, false, "inc-1-b")
	send(notify.KindResolve, false, "inc-1-b")
	send(notify.KindAcknowledge, false, "inc-1-b")
	var actions []string
	for _, ev := range f.pd.Events() {
		actions = append(actions, ev.Action)
	}
	if got, want := strings.Join(actions, ","), "trigger,trigger,acknowledge,resolve"; got != want {
		t.Errorf("events %s, want %s", got, want)
	}
}

// TestPlan_SaysWhatEachNotificationDoes is the plan, kind by kind, for an
// alert that is open at PagerDuty and one that is not.
func TestPlan_SaysWhatEachNotificationDoes(t *testing.T) {
	tests := []struct {
		kind       notify.Kind
		quiet      bool
		open, shut []notify.Effect
	}{
		{notify.KindTrigger, false, []notify.Effect{notify.EffectPageUpdate}, []notify.Effect{notify.EffectPage}},
		{notify.KindTrigger, true, []notify.Effect{notify.EffectPageUpdate}, nil},
		{notify.KindUpdate, false, []notify.Effect{notify.EffectPageUpdate}, []notify.Effect{notify.EffectPage}},
		{notify.KindRepeat, true, []notify.Effect{notify.EffectPageUpdate}, nil},
		{notify.KindAcknowledge, false, []notify.Effect{notify.EffectPageAck}, nil},
		{notify.KindResolve, false, []notify.Effect{notify.EffectPageResolve}, nil},
		{notify.KindAnnounce, false, nil, nil},
		{notify.KindDigest, false, nil, nil},
		{notify.KindChronic, false, nil, nil},
		{notify.KindEscalated, false, nil, nil},
	}
	for _, tt := range tests {
		nt := notification(tt.kind)
		nt.Quiet = tt.quiet
		if got := Plan(nt, true); !slices.Equal(got, tt.open) {
			t.Errorf("%s quiet=%v, open: %v, want %v", tt.kind, tt.quiet, got, tt.open)
		}
		if got := Plan(nt, false); !slices.Equal(got, tt.shut) {
			t.Errorf("%s quiet=%v, not open: %v, want %v", tt.kind, tt.quiet, got, tt.shut)
		}
	}
}
