package rules

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	amconfig "github.com/prometheus/alertmanager/config"
	"github.com/prometheus/alertmanager/dispatch"
	"github.com/prometheus/common/model"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/config"
)

// amTree is Alertmanager's own routing test tree (dispatch/route_test.go,
// TestRouteMatch) plus matchers in the newer syntax: regex, negative
// equality, negative regex, continue.
const amTree = `
  receiver: 'notify-def'
  routes:
  - match:
      owner: 'team-A'
    receiver: 'notify-A'
    routes:
    - match:
        env: 'testing'
      receiver: 'notify-testing'
      group_by: [...]
    - match:
        env: "production"
      receiver: 'notify-productionA'
      group_wait: 1m
      continue: true
    - match_re:
        env: "produ.*"
        job: ".*"
      receiver: 'notify-productionB'
      group_wait: 30s
      group_interval: 5m
      repeat_interval: 1h
      group_by: ['job']
  - match_re:
      owner: 'team-(B|C)'
    group_by: ['foo', 'bar']
    group_wait: 2m
    receiver: 'notify-BC'
  - match:
      group_by: 'role'
    group_by: ['role']
    routes:
    - match:
        env: 'testing'
      receiver: 'notify-testing'
      routes:
      - match:
          wait: 'long'
        group_wait: 2m
  - matchers: ['severity=~"critical|page"', 'env!="staging"']
    receiver: 'pager'
    continue: true
  - matchers: ['alertname!~"Watchdog|InfoInhibitor"', 'team="db"']
    receiver: 'db'
`

var amReceivers = []string{"notify-def", "notify-A", "notify-testing", "notify-productionA", "notify-productionB", "notify-BC", "pager", "db"}

func TestRoute_SameReceiversAndOptionsAsAlertmanager(t *testing.T) {
	var recv strings.Builder
	for _, n := range amReceivers {
		fmt.Fprintf(&recv, "  - {name: %s, log: {}}\n", n)
	}
	ours := mustRules(t, strings.Split(base, "receivers:")[0]+"receivers:\n"+recv.String()+"route:"+amTree)

	var amRecv strings.Builder
	for _, n := range amReceivers {
		fmt.Fprintf(&amRecv, "  - name: %s\n", n)
	}
	amCfg, err := amconfig.Load("route:" + amTree + "receivers:\n" + amRecv.String())
	if err != nil {
		t.Fatalf("alertmanager config: %v", err)
	}
	theirs := dispatch.NewRoute(amCfg.Route, nil)

	tests := []struct {
		labels map[string]string
		want   []string // receivers, in order
	}{
		{map[string]string{"owner": "team-A"}, []string{"notify-A"}},
		{map[string]string{"owner": "team-A", "env": "unset"}, []string{"notify-A"}},
		{map[string]string{"owner": "team-C"}, []string{"notify-BC"}},
		{map[string]string{"owner": "team-A", "env": "testing"}, []string{"notify-testing"}},
		{map[string]string{"owner": "team-A", "env": "production"}, []string{"notify-productionA", "notify-productionB"}},
		{map[string]string{"group_by": "role"}, []string{"notify-def"}},
		{map[string]string{"group_by": "role", "env": "testing"}, []string{"notify-testing"}},
		{map[string]string{"group_by": "role", "env": "testing", "wait": "long"}, []string{"notify-testing"}},
		{map[string]string{"severity": "page", "env": "prod"}, []string{"pager"}},
		{map[string]string{"severity": "critical", "env": "staging"}, []string{"notify-def"}},
		{map[string]string{"severity": "critical", "team": "db", "alertname": "DiskFull"}, []string{"pager", "db"}},
		{map[string]string{"team": "db", "alertname": "Watchdog"}, []string{"notify-def"}},
		{map[string]string{}, []string{"notify-def"}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.labels), func(t *testing.T) {
			a := &alert.Alert{Labels: tt.labels}
			got := ours.Match(a)
			var gotRecv []string
			for _, m := range got {
				gotRecv = append(gotRecv, m.Route.Opts.Receiver)
			}
			if !slices.Equal(gotRecv, tt.want) {
				t.Errorf("receivers = %v, want %v", gotRecv, tt.want)
			}
			ls := model.LabelSet{}
			for k, v := range tt.labels {
				ls[model.LabelName(k)] = model.LabelValue(v)
			}
			am := theirs.Match(ls)
			if len(am) != len(got) {
				t.Fatalf("Alertmanager matched %d routes, alertgate %d", len(am), len(got))
			}
			for i := range am {
				o, g := am[i].RouteOpts, got[i].Route.Opts
				if o.Receiver != g.Receiver || o.GroupWait != g.GroupWait || o.GroupInterval != g.GroupInterval ||
					o.RepeatInterval != g.RepeatInterval || o.GroupByAll != g.GroupByAll || len(o.GroupBy) != len(g.GroupBy) {
					t.Errorf("route %d: alertgate %v, Alertmanager %v", i, &g, &o)
				}
			}
		})
	}
}

func TestMatch_GroupKeysFollowGroupBy(t *testing.T) {
	r := mustRules(t, base+`
  group_by: [alertname, service]
  routes:
    - matchers: ['everything="yes"']
      receiver: oncall
      group_by: ['...']
`)
	key := func(ls map[string]string) string { return r.Match(&alert.Alert{Labels: ls})[0].GroupKey }
	a := key(map[string]string{"alertname": "A", "service": "api", "pod": "p1"})
	b := key(map[string]string{"alertname": "A", "service": "api", "pod": "p2"})
	c := key(map[string]string{"alertname": "A", "service": "web", "pod": "p1"})
	if a != b || a == c {
		t.Errorf("group keys: same group %q/%q, other service %q", a, b, c)
	}
	all1 := key(map[string]string{"everything": "yes", "pod": "p1"})
	all2 := key(map[string]string{"everything": "yes", "pod": "p2"})
	if all1 == all2 {
		t.Error("group_by [...] put different label sets in one group")
	}
	m := r.Match(&alert.Alert{Labels: map[string]string{"alertname": "A", "service": "api", "pod": "p1"}})[0]
	if len(m.GroupLabels) != 2 || m.GroupLabels["service"] != "api" || m.Route.RepeatInterval() != 4*time.Hour {
		t.Errorf("match = %+v, want group labels alertname+service and the default repeat interval", m)
	}
}

func TestMatch_DedupRepeatIntervalIsTheRootDefault(t *testing.T) {
	r := mustRules(t, base+"dedup: {repeat_interval: 2h}\n")
	if got := r.Match(&alert.Alert{Labels: map[string]string{"a": "b"}})[0].Route.RepeatInterval(); got != 2*time.Hour {
		t.Errorf("repeat interval = %s, want dedup.repeat_interval 2h", got)
	}
}

func TestAlertNames_FromRoutesInhibitRulesAndWindows(t *testing.T) {
	cfg, err := config.Parse([]byte(base+`
  routes:
    - matchers: ['alertname=~"KubeNodeNotReady|KubeNodeUnreachable"']
    - matchers: ['alertname=~"Disk.*"', 'severity="critical"']
    - match: {alertname: Watchdog}
inhibit_rules:
  - source_matchers: ['alertname="ClusterUnreachable"']
    target_matchers: ['alertname!="ClusterUnreachable"']
`), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	got := AlertNames(cfg)
	want := []string{"ClusterUnreachable", "KubeNodeNotReady", "KubeNodeUnreachable", "Watchdog"}
	if !slices.Equal(got, want) {
		t.Errorf("AlertNames = %v, want %v (a regex that is not a plain list names nothing)", got, want)
	}
}

// TestMatchAll_SameAsMatchOfEach: matching a webhook's alerts together
// gives each alert what matching it alone gives, whether or not the
// tree groups by every label; alerts that differ only in labels no route
// reads share one result; an absent label is not an empty one.
func TestMatchAll_SameAsMatchOfEach(t *testing.T) {
	var recv strings.Builder
	for _, n := range amReceivers {
		fmt.Fprintf(&recv, "  - {name: %s, log: {}}\n", n)
	}
	head := strings.Split(base, "receivers:")[0] + "receivers:\n" + recv.String() + "route:"
	trees := map[string]string{
		"group by every label": amTree,
		"group by some labels": strings.Replace(amTree, "group_by: [...]", "group_by: [env, instance]", 1),
	}
	values := map[string][]string{
		"owner":     {"team-A", "team-B", "team-C", "", "-"},
		"env":       {"testing", "production", "staging", "", "-"},
		"severity":  {"critical", "page", "-"},
		"team":      {"db", "-"},
		"alertname": {"Watchdog", "DiskFull"},
		"job":       {"node", "-"},
		"group_by":  {"role", "-"},
		"wait":      {"long", "-"},
		"instance":  {"i1", "i2", "-"},
		"pod":       {"p1", "p2", "p3"}, // read by no route
	}
	rnd := rand.New(rand.NewPCG(1, 2))
	var alerts []alert.Alert
	for range 2000 {
		ls := map[string]string{}
		for k, vs := range values {
			if v := vs[rnd.IntN(len(vs))]; v != "-" {
				ls[k] = v
			}
		}
		alerts = append(alerts, alert.Alert{Labels: ls})
	}
	for name, tree := range trees {
		t.Run(name, func(t *testing.T) {
			r := mustRules(t, head+tree)
			got := r.MatchAll(alerts)
			for i := range alerts {
				if want := r.Match(&alerts[i]); !reflect.DeepEqual(got[i], want) {
					t.Fatalf("alert %v: MatchAll = %+v, Match = %+v", alerts[i].Labels, got[i], want)
				}
			}
		})
	}
	r := mustRules(t, head+trees["group by some labels"])
	twins := []alert.Alert{
		{Labels: map[string]string{"owner": "team-A", "env": "production", "pod": "p1"}},
		{Labels: map[string]string{"owner": "team-A", "env": "production", "pod": "p2"}},
		{Labels: map[string]string{"owner": "team-A", "env": "production", "instance": ""}},
	}
	got := r.MatchAll(twins)
	if &got[0][0] != &got[1][0] {
		t.Errorf("alerts that differ only in a label no route reads were matched twice")
	}
	if &got[0][0] == &got[2][0] {
		t.Errorf("an empty instance label shared the result of an absent one")
	}
}
