package pagerduty

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"testing"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/config"
	"github.com/alertgate/alertgate/internal/logbuf"
	"github.com/alertgate/alertgate/router/notify"
	"github.com/alertgate/alertgate/router/notify/pagerduty/pdtest"
)

// Routing keys of the test receivers: well-formed 32-character keys, and
// one PagerDuty rejects for its length.
const (
	keyOnCall = "0123456789abcdef0123456789abcdef"
	keyTeam   = "R0123456789ABCDEF0123456789ABCDE"
	keyShort  = "tooshortkey4711"
)

var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func routingKeys(receiver string) (config.Secret, bool) {
	k, ok := map[string]config.Secret{
		"oncall":   keyOnCall,
		"team":     keyTeam,
		"badkey":   keyShort,
		"emptykey": "",
	}[receiver]
	return k, ok
}

type fixture struct {
	pd   *pdtest.Server
	n    *Notifier
	logs *logbuf.Buffer
}

// newFixture returns a notifier sending to a fresh fake, logging at debug
// level into a buffer; change adjusts the config.
func newFixture(t testing.TB, change func(*Config)) *fixture {
	t.Helper()
	return newFixtureOn(t, pdtest.New(t), change)
}

// newFixtureOn is newFixture with the fake given: a test in a synctest
// bubble starts the fake outside it, where its listener's socket cannot
// keep the bubble's clock from advancing. The notifier reaches the fake
// in memory.
func newFixtureOn(t testing.TB, pd *pdtest.Server, change func(*Config)) *fixture {
	t.Helper()
	f := &fixture{pd: pd, logs: &logbuf.Buffer{}}
	cfg := Config{
		URL:        f.pd.URL(),
		HTTPClient: f.pd.Client(),
		RoutingKey: routingKeys,
		PerKeyRate: 1000,
		Logger:     slog.New(slog.NewTextHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	if change != nil {
		change(&cfg)
	}
	f.n = New(cfg)
	return f
}

// only returns the single event the fake accepted.
func (f *fixture) only(t *testing.T) pdtest.Event {
	t.Helper()
	evs := f.pd.Events()
	if len(evs) != 1 {
		t.Fatalf("%d events accepted, want 1", len(evs))
	}
	return evs[0]
}

func firing(name string, labels map[string]string) notify.Member {
	l := map[string]string{alert.LabelAlertName: name, alert.LabelSeverity: "critical", alert.LabelSource: "alertmanager"}
	maps.Copy(l, labels)
	return notify.Member{Alert: alert.Alert{
		Source:       alert.SourceAlertmanager,
		Name:         name,
		Status:       alert.StatusFiring,
		Severity:     alert.SeverityCritical,
		Labels:       l,
		Annotations:  map[string]string{"summary": name + " is firing"},
		StartsAt:     t0,
		Fingerprint:  alert.NewFingerprint(alert.SourceAlertmanager, alert.LabelsIdentity(l)),
		GeneratorURL: "https://prometheus.example/graph?g0.expr=" + name,
		SourceURL:    "https://alertmanager.example",
	}}
}

func resolved(m notify.Member) notify.Member {
	m.Status = alert.StatusResolved
	m.EndsAt = m.StartsAt.Add(time.Hour)
	return m
}

func notification(kind notify.Kind, members ...notify.Member) *notify.Notification {
	return &notify.Notification{
		ID:        "inc-1/1/oncall/pagerduty",
		Incident:  "inc-1",
		Seq:       1,
		Kind:      kind,
		Target:    notify.Target{Type: "pagerduty", Receiver: "oncall"},
		Status:    alert.StatusFiring,
		Severity:  alert.SeverityCritical,
		Title:     "High latency on api",
		Members:   members,
		CreatedAt: t0,
	}
}

// manyMembers returns n firing members named a0, a1, ...
func manyMembers(n int, labels map[string]string) []notify.Member {
	out := make([]notify.Member, n)
	for i := range out {
		l := maps.Clone(labels)
		if l == nil {
			l = map[string]string{}
		}
		l["instance"] = fmt.Sprintf("host-%d:9100", i)
		out[i] = firing(fmt.Sprintf("a%d", i), l)
	}
	return out
}

// customDetails decodes the custom details of a trigger event.
func customDetails(t *testing.T, ev pdtest.Event) details {
	t.Helper()
	if ev.Payload == nil {
		t.Fatal("event has no payload")
	}
	b, err := json.Marshal(ev.Payload.CustomDetails)
	if err != nil {
		t.Fatal(err)
	}
	var d details
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	return d
}
