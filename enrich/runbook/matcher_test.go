package runbook

import (
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// Label sets as the sources normalize them; see the golden files under
// router/source/*/testdata.
func prometheusHighErrorRate() map[string]string {
	// alertmanager/testdata/mixed_group.golden.json
	return map[string]string{"alertname": "HighErrorRate", "env": "production", "service": "checkout", "severity": "page", "source": "alertmanager", "team": "checkout"}
}

func cloudWatchALBTarget5xx() map[string]string {
	// cloudwatch/testdata/notification-alarm.golden.json
	return map[string]string{
		"LoadBalancer": "app/web-prod/50dc6c495c0c9188", "TargetGroup": "targetgroup/web-prod-tg/73e2d6bc24d8a067",
		"account": "123456789012", "alertname": "web-prod-target-5xx", "metric": "HTTPCode_Target_5XX_Count",
		"namespace": "AWS/ApplicationELB", "region": "ap-northeast-1", "severity": "critical", "source": "cloudwatch",
	}
}

func cloudWatchALBELB5xx() map[string]string {
	l := cloudWatchALBTarget5xx()
	l["alertname"], l["metric"] = "web-prod-elb-5xx", "HTTPCode_ELB_5XX_Count"
	delete(l, "TargetGroup")
	return l
}

func newRelicWorkflowErrorRate() map[string]string {
	// newrelic/testdata/workflow_activated.golden.json
	return map[string]string{
		"account_id": "3942187", "alertname": "High error rate", "condition": "High error rate", "entity": "checkout-api (prod)",
		"policy": "Checkout golden signals", "priority": "critical", "severity": "critical", "source": "newrelic", "workflow": "Checkout to alertgate",
	}
}

func newRelicLegacyErrorPercentage() map[string]string {
	// newrelic/testdata/legacy_open.golden.json
	return map[string]string{
		"Environment": "production", "Team": "checkout", "account_id": "3942187", "alertname": "Error percentage (High)",
		"condition": "Error percentage (High)", "entity": "Checkout API", "entity_guid": "MzE5NDIxODd8QVBNfEFQUExJQ0FUSU9OfDExMjIzMzQ0",
		"entity_type": "Application", "policy": "Checkout API alerts", "severity": "critical", "source": "newrelic",
	}
}

func prometheusCrashLoop() map[string]string {
	// alertmanager/testdata/firing_group.golden.json
	return map[string]string{"alertname": "KubePodCrashLooping", "cluster": "prod-tokyo", "container": "api", "job": "kube-state-metrics", "namespace": "payments", "pod": "api-7c9f8d6b5-x2kqp", "severity": "critical", "source": "alertmanager"}
}

func TestMatch_ShippedRunbooksCoverEverySource(t *testing.T) {
	rbs, err := Load(shipped)
	if err != nil {
		t.Fatal(err)
	}
	m := NewMatcher(rbs)
	tests := []struct {
		name   string
		labels map[string]string
		want   string // runbook id; "" for none
	}{
		{"Prometheus HighErrorRate", prometheusHighErrorRate(), "http-5xx-ratio"},
		{"CloudWatch ALB target 5xx alarm", cloudWatchALBTarget5xx(), "http-5xx-ratio"},
		{"CloudWatch ALB ELB 5xx alarm", cloudWatchALBELB5xx(), "http-5xx-ratio"},
		{"New Relic workflow error-rate issue", newRelicWorkflowErrorRate(), "http-5xx-ratio"},
		{"New Relic legacy error-percentage incident", newRelicLegacyErrorPercentage(), "http-5xx-ratio"},
		{"Prometheus crash loop", prometheusCrashLoop(), "kube-pod-crashlooping"},
		{"Prometheus node disk", map[string]string{"alertname": "NodeFilesystemAlmostOutOfSpace", "instance": "10.0.12.31:9100", "mountpoint": "/", "severity": "warning", "source": "alertmanager"}, "node-disk-filling"},
		{"CloudWatch Aurora CPU", map[string]string{"alertname": "web-prod-aurora-cpu", "namespace": "AWS/RDS", "metric": "CPUUtilization", "DBClusterIdentifier": "web-prod-aurora", "source": "cloudwatch", "severity": "critical"}, "aurora-cpu-high"},
		{"CloudWatch Aurora replica lag", map[string]string{"alertname": "web-prod-aurora-lag", "namespace": "AWS/RDS", "metric": "AuroraReplicaLagMaximum", "DBClusterIdentifier": "web-prod-aurora", "source": "cloudwatch", "severity": "warning"}, "aurora-replica-lag"},
		{"CloudWatch SQS oldest message", map[string]string{"alertname": "jobs-queue-age", "namespace": "AWS/SQS", "metric": "ApproximateAgeOfOldestMessage", "QueueName": "jobs", "source": "cloudwatch", "severity": "warning"}, "sqs-queue-backlog"},
		{"CloudWatch SQS backlog (golden)", map[string]string{"QueueName": "jobs", "account": "123456789012", "alertname": "jobs-queue-backlog", "metric": "ApproximateNumberOfMessagesVisible", "namespace": "AWS/SQS", "region": "us-east-1", "severity": "warning", "source": "cloudwatch"}, "sqs-queue-backlog"},
		{"New Relic Apdex", map[string]string{"alertname": "Apdex (Low)", "condition": "Apdex (Low)", "entity": "Checkout API", "source": "newrelic", "severity": "warning"}, "newrelic-apdex-drop"},
		{"Prometheus TargetDown", map[string]string{"alertname": "TargetDown", "job": "web-api", "namespace": "web", "service": "web-api", "source": "alertmanager", "severity": "warning"}, "prometheus-target-down"},
		{"generic failed Job", map[string]string{"alertname": "KubeJobFailed", "job_name": "cleanup-29481", "namespace": "web", "source": "alertmanager", "severity": "warning"}, "kube-job-failed"},
		{"nightly batch Job refines the generic one", map[string]string{"alertname": "KubeJobFailed", "job_name": "nightly-etl-29481", "namespace": "batch", "source": "alertmanager", "severity": "warning"}, "nightly-batch-failure"},
		{"nightly batch via SNS (golden)", map[string]string{"account": "123456789012", "alertname": "Nightly ETL failed", "region": "ap-northeast-1", "severity": "warning", "source": "cloudwatch", "topic": "alertgate-alarms"}, "nightly-batch-failure"},
		{"a CloudWatch namespace is not a Kubernetes one", map[string]string{"alertname": "KubeJobFailed", "namespace": "AWS/ApplicationELB", "source": "cloudwatch"}, ""},
		{"New Relic host memory has no runbook", map[string]string{"alertname": "Host memory high", "source": "newrelic", "severity": "warning"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := m.Match(tt.labels)
			if id := idOf(got); id != tt.want {
				t.Errorf("Match = %q, want %q", id, tt.want)
			}
		})
	}
}

func TestMatch_MostSpecificWinsThenSmallerID(t *testing.T) {
	tests := []struct {
		name     string
		runbooks []string // YAML, one runbook each
		labels   map[string]string
		want     string
	}{
		{
			name: "more matchers beat fewer",
			runbooks: []string{
				rb("general", `['alertname="X"']`),
				rb("checkout", `['alertname="X"', 'service="checkout"']`),
			},
			labels: map[string]string{"alertname": "X", "service": "checkout"},
			want:   "checkout",
		},
		{
			name: "the general runbook still catches the rest",
			runbooks: []string{
				rb("general", `['alertname="X"']`),
				rb("checkout", `['alertname="X"', 'service="checkout"']`),
			},
			labels: map[string]string{"alertname": "X", "service": "cart"},
			want:   "general",
		},
		{
			name: "equality beats regex at the same count",
			runbooks: []string{
				rb("a-regex", `['alertname=~"X|Y"']`),
				rb("b-equal", `['alertname="X"']`),
			},
			labels: map[string]string{"alertname": "X"},
			want:   "b-equal",
		},
		{
			name: "a tie goes to the smaller id whatever the order",
			runbooks: []string{
				rb("zeta", `['alertname="X"']`),
				rb("alpha", `['alertname="X"']`),
			},
			labels: map[string]string{"alertname": "X"},
			want:   "alpha",
		},
		{
			name: "a runbook counts with its most specific matching alternative",
			runbooks: []string{
				rb("two", `['alertname="X"', 'service="checkout"']`),
				rb("many", `['alertname="Y"']`, `['alertname="X"', 'service="checkout"', 'team="pay"']`),
			},
			labels: map[string]string{"alertname": "X", "service": "checkout", "team": "pay"},
			want:   "many",
		},
		{
			name: "an alternative that does not match does not lend its specificity",
			runbooks: []string{
				rb("two", `['alertname="X"', 'service="checkout"']`),
				rb("many", `['alertname="X"']`, `['alertname="X"', 'service="checkout"', 'team="pay"']`),
			},
			labels: map[string]string{"alertname": "X", "service": "checkout", "team": "other"},
			want:   "two",
		},
		{
			name:     "a missing label has the empty value, as in Alertmanager",
			runbooks: []string{rb("no-env", `['alertname="X"', 'env=""']`)},
			labels:   map[string]string{"alertname": "X"},
			want:     "no-env",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rbs []*Runbook
			for _, y := range tt.runbooks {
				rbs = append(rbs, parse(t, y))
			}
			if got := idOf(NewMatcher(rbs).Match(tt.labels)); got != tt.want {
				t.Errorf("Match = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestMatch_NothingMatchesWithoutRunbooks(t *testing.T) {
	if got := NewMatcher(nil).Match(prometheusCrashLoop()); got != nil {
		t.Errorf("Match = %q, want nil", got.ID)
	}
}

// rb writes a minimal runbook with one alternative per matchers list.
func rb(id string, sets ...string) string {
	var b strings.Builder
	b.WriteString("id: " + id + "\ntitle: " + id + "\nmatch:\n")
	for _, s := range sets {
		b.WriteString("  - matchers: " + s + "\n")
	}
	return b.String()
}

func parse(t testing.TB, doc string) *Runbook {
	t.Helper()
	var r Runbook
	if err := yaml.Unmarshal([]byte(doc), &r); err != nil {
		t.Fatalf("parse %q: %v", doc, err)
	}
	return &r
}

func idOf(r *Runbook) string {
	if r == nil {
		return ""
	}
	return r.ID
}

func BenchmarkMatch(b *testing.B) {
	rbs, err := Load(shipped)
	if err != nil {
		b.Fatal(err)
	}
	m := NewMatcher(rbs)
	cases := []struct {
		name   string
		labels map[string]string
	}{
		{"prometheus", prometheusHighErrorRate()},
		{"cloudwatch", cloudWatchALBTarget5xx()},
		{"newrelic", newRelicWorkflowErrorRate()},
		{"no match", map[string]string{"alertname": "Host memory high", "source": "newrelic", "severity": "warning", "entity": "ip-10-0-12-31"}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				m.Match(c.labels)
			}
		})
	}
}
