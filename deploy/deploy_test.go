package deploy

import (
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	amconfig "github.com/prometheus/alertmanager/config"
	"gopkg.in/yaml.v3"

	"github.com/alertgate/alertgate/config"
)

// TestFiles_EveryYAMLAndJSONFileParses walks deploy/ and parses every YAML
// and JSON file, except the Helm templates, which are Go templates and not
// YAML until rendered (make lint-deploy renders them).
func TestFiles_EveryYAMLAndJSONFileParses(t *testing.T) {
	var n int
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path == filepath.Join("helm", "alertgate", "templates") {
			return fs.SkipDir
		}
		switch filepath.Ext(path) {
		case ".yml", ".yaml":
			n++
			var doc yaml.Node
			if err := yaml.Unmarshal(readFile(t, path), &doc); err != nil {
				t.Errorf("%s: %v", path, err)
			}
		case ".json":
			n++
			var doc any
			if err := json.Unmarshal(readFile(t, path), &doc); err != nil {
				t.Errorf("%s: %v", path, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 7 {
		t.Errorf("parsed %d YAML and JSON files, want at least 7: did files move?", n)
	}
}

// composeFile is the part of docker-compose.yml the tests look at.
type composeFile struct {
	Services map[string]struct {
		Image string `yaml:"image"`
		Build struct {
			Context    string `yaml:"context"`
			Dockerfile string `yaml:"dockerfile"`
		} `yaml:"build"`
		Command     []string          `yaml:"command"`
		Environment map[string]string `yaml:"environment"`
		Volumes     []string          `yaml:"volumes"`
		Healthcheck struct {
			Test []string `yaml:"test"`
		} `yaml:"healthcheck"`
		DependsOn map[string]struct {
			Condition string `yaml:"condition"`
		} `yaml:"depends_on"`
		StopGracePeriod string `yaml:"stop_grace_period"`
	} `yaml:"services"`
}

func TestCompose_AlertgateWaitsForAHealthyRedisAndMountsItsConfig(t *testing.T) {
	var c composeFile
	decodeYAML(t, filepath.Join("compose", "docker-compose.yml"), &c)
	redis, ok := c.Services["redis"]
	if !ok {
		t.Fatal("no redis service")
	}
	if !strings.HasPrefix(redis.Image, "redis:7") {
		t.Errorf("redis image %q, want redis:7", redis.Image)
	}
	if !slices.Equal(redis.Healthcheck.Test, []string{"CMD", "redis-cli", "ping"}) {
		t.Errorf("redis healthcheck %q, want redis-cli ping", redis.Healthcheck.Test)
	}
	ag, ok := c.Services["alertgate"]
	if !ok {
		t.Fatal("no alertgate service")
	}
	if got := filepath.Join("compose", ag.Build.Context, ag.Build.Dockerfile); filepath.Clean(got) != filepath.Join("..", "deploy", "Dockerfile") {
		t.Errorf("alertgate builds %s, want deploy/Dockerfile from the repository root", got)
	}
	if ag.DependsOn["redis"].Condition != "service_healthy" {
		t.Errorf("alertgate depends_on redis %+v, want condition service_healthy", ag.DependsOn)
	}
	if !slices.Contains(ag.Volumes, "./alertgate.yml:/etc/alertgate/alertgate.yml:ro") {
		t.Errorf("alertgate volumes %q do not mount ./alertgate.yml read-only", ag.Volumes)
	}
	if i := slices.Index(ag.Command, "--config"); i < 0 || ag.Command[i+1] != "/etc/alertgate/alertgate.yml" {
		t.Errorf("alertgate command %q does not serve the mounted config", ag.Command)
	}
	if d, err := time.ParseDuration(ag.StopGracePeriod); err != nil || d <= 25*time.Second {
		t.Errorf("stop_grace_period %q must exceed server.shutdown_timeout (25s)", ag.StopGracePeriod)
	}
}

func TestCompose_ConfigLoadsWithRedisAndDryRun(t *testing.T) {
	var c composeFile
	decodeYAML(t, filepath.Join("compose", "docker-compose.yml"), &c)
	env := c.Services["alertgate"].Environment
	path := filepath.Join("compose", "alertgate.yml")
	for _, name := range envRefs(t, readFile(t, path)) {
		if _, ok := env[name]; !ok {
			t.Errorf("%s references ${%s}, which docker-compose.yml does not pass to the container", path, name)
		}
	}
	// What the container sees when docker compose runs with an empty
	// environment: the ${VAR:-default} defaults of the compose file.
	cfg, err := config.LoadFile(path, func(name string) (string, bool) {
		v, ok := env[name]
		if !ok {
			return "", false
		}
		return composeDefault(v), true
	})
	if err != nil {
		t.Fatalf("alertgate rejects %s: %v", path, err)
	}
	if cfg.Store.Backend != "redis" || cfg.Store.Redis.Address != "redis:6379" {
		t.Errorf("store %q at %q, want redis at redis:6379", cfg.Store.Backend, cfg.Store.Redis.Address)
	}
	if !cfg.Notify.DryRun {
		t.Error("notify.dry_run is false: the compose trial would page people")
	}
}

// composeDefault resolves a compose value "${NAME:-default}" to default.
func composeDefault(v string) string {
	if m := regexp.MustCompile(`^\$\{[A-Z_]+:-(.*)\}$`).FindStringSubmatch(v); m != nil {
		return m[1]
	}
	return v
}

// envRefs lists the variables a configuration's values reference as
// ${NAME} or ${NAME:-default}, as alertgate expands them (comments do not
// count).
func envRefs(t *testing.T, data []byte) []string {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	ref := regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)(:-[^}]*)?\}`)
	var names []string
	var walk func(*yaml.Node)
	walk = func(n *yaml.Node) {
		if n.Kind == yaml.ScalarNode {
			for _, m := range ref.FindAllStringSubmatch(n.Value, -1) {
				if !slices.Contains(names, m[1]) {
					names = append(names, m[1])
				}
			}
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(&doc)
	return names
}

// chartValues is the part of the Helm chart's values.yaml the tests read.
type chartValues struct {
	ReplicaCount                  int            `yaml:"replicaCount"`
	ContainerPort                 int            `yaml:"containerPort"`
	Config                        map[string]any `yaml:"config"`
	TerminationGracePeriodSeconds int            `yaml:"terminationGracePeriodSeconds"`
	PreStopSleepSeconds           int            `yaml:"preStopSleepSeconds"`
	Secrets                       struct {
		Create bool              `yaml:"create"`
		Values map[string]string `yaml:"values"`
	} `yaml:"secrets"`
	ReadinessProbe  probe `yaml:"readinessProbe"`
	LivenessProbe   probe `yaml:"livenessProbe"`
	SecurityContext struct {
		RunAsNonRoot             bool `yaml:"runAsNonRoot"`
		ReadOnlyRootFilesystem   bool `yaml:"readOnlyRootFilesystem"`
		AllowPrivilegeEscalation bool `yaml:"allowPrivilegeEscalation"`
		Capabilities             struct {
			Drop []string `yaml:"drop"`
		} `yaml:"capabilities"`
		SeccompProfile struct {
			Type string `yaml:"type"`
		} `yaml:"seccompProfile"`
	} `yaml:"securityContext"`
	Ingress struct {
		Paths []string `yaml:"paths"`
	} `yaml:"ingress"`
}

type probe struct {
	HTTPGet struct {
		Path string `yaml:"path"`
		Port string `yaml:"port"`
	} `yaml:"httpGet"`
}

// chartSetEnv are the variables the chart's Deployment sets itself.
var chartSetEnv = []string{"ALERTGATE_REDIS_ADDRESS"}

func TestHelm_ChartMetadata(t *testing.T) {
	var chart struct {
		APIVersion string `yaml:"apiVersion"`
		Name       string `yaml:"name"`
		Version    string `yaml:"version"`
		AppVersion string `yaml:"appVersion"`
	}
	decodeYAML(t, filepath.Join("helm", "alertgate", "Chart.yaml"), &chart)
	if chart.APIVersion != "v2" || chart.Name != "alertgate" {
		t.Errorf("Chart.yaml: apiVersion %q name %q, want v2 alertgate", chart.APIVersion, chart.Name)
	}
	if !regexp.MustCompile(`^\d+\.\d+\.\d+$`).MatchString(chart.Version) || chart.AppVersion == "" {
		t.Errorf("Chart.yaml: version %q appVersion %q, want a SemVer version and an appVersion", chart.Version, chart.AppVersion)
	}
	for _, f := range []string{"_helpers.tpl", "NOTES.txt", "configmap.yaml", "secret.yaml", "deployment.yaml", "service.yaml", "pdb.yaml", "ingress.yaml", "servicemonitor.yaml", "redis.yaml", "serviceaccount.yaml"} {
		if _, err := os.Stat(filepath.Join("helm", "alertgate", "templates", f)); err != nil {
			t.Errorf("template %s: %v", f, err)
		}
	}
}

func TestHelm_DefaultConfigLoadsWhenEverySecretIsSet(t *testing.T) {
	var v chartValues
	decodeYAML(t, filepath.Join("helm", "alertgate", "values.yaml"), &v)
	data, err := yaml.Marshal(v.Config)
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"ALERTGATE_REDIS_ADDRESS": "alertgate-redis:6379"}
	for name := range v.Secrets.Values {
		env[name] = "test-" + strings.ToLower(name)
	}
	cfg, err := config.Parse(data, func(name string) (string, bool) { s, ok := env[name]; return s, ok })
	if err != nil {
		t.Fatalf("alertgate rejects the chart's default config: %v", err)
	}
	if v.ReplicaCount < 2 || cfg.Store.Backend != "redis" {
		t.Errorf("%d replicas on store %q, want at least 2 on redis (the memory store is per replica)", v.ReplicaCount, cfg.Store.Backend)
	}
	if cfg.Notify.DryRun {
		t.Error("the chart's default config is a dry run")
	}
	shutdown := time.Duration(cfg.Server.ShutdownTimeout)
	if grace := time.Duration(v.TerminationGracePeriodSeconds-v.PreStopSleepSeconds) * time.Second; grace <= shutdown {
		t.Errorf("terminationGracePeriodSeconds %d - preStopSleepSeconds %d leaves %s, not more than server.shutdown_timeout %s: the kubelet would kill alertgate mid-drain",
			v.TerminationGracePeriodSeconds, v.PreStopSleepSeconds, grace, shutdown)
	}
}

// TestHelm_EveryReferencedSecretIsDeclared: a ${VAR} in the chart's
// config that neither the Secret nor the chart provides could only be
// found at the first start in production.
func TestHelm_EveryReferencedSecretIsDeclared(t *testing.T) {
	var v chartValues
	decodeYAML(t, filepath.Join("helm", "alertgate", "values.yaml"), &v)
	data, err := yaml.Marshal(v.Config)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range envRefs(t, data) {
		if _, ok := v.Secrets.Values[name]; !ok && !slices.Contains(chartSetEnv, name) {
			t.Errorf("config references ${%s}, which is neither in secrets.values nor set by the chart", name)
		}
	}
}

func TestHelm_ProbesAndSecurityContext(t *testing.T) {
	var v chartValues
	decodeYAML(t, filepath.Join("helm", "alertgate", "values.yaml"), &v)
	if v.ReadinessProbe.HTTPGet.Path != "/-/ready" || v.LivenessProbe.HTTPGet.Path != "/-/healthy" {
		t.Errorf("readiness %q liveness %q, want /-/ready and /-/healthy", v.ReadinessProbe.HTTPGet.Path, v.LivenessProbe.HTTPGet.Path)
	}
	sc := v.SecurityContext
	if !sc.RunAsNonRoot || !sc.ReadOnlyRootFilesystem || sc.AllowPrivilegeEscalation ||
		!slices.Equal(sc.Capabilities.Drop, []string{"ALL"}) || sc.SeccompProfile.Type != "RuntimeDefault" {
		t.Errorf("securityContext %+v, want non-root, read-only root, no privilege escalation, drop ALL, seccomp RuntimeDefault", sc)
	}
	for _, p := range v.Ingress.Paths {
		if !strings.HasPrefix(p, "/api/v1/alerts/") && p != "/api/v1/slack/interactions" && p != "/api/v1/pagerduty/webhook" {
			t.Errorf("ingress exposes %s; only the webhook endpoints belong on the internet", p)
		}
	}
}

func TestAlertmanager_ConfigLoadsAndSendsEverythingToAlertgate(t *testing.T) {
	cfg, err := amconfig.LoadFile(filepath.Join("alertmanager", "alertmanager.yml"))
	if err != nil {
		t.Fatalf("Alertmanager rejects its config: %v", err)
	}
	if cfg.Route.Receiver != "alertgate" {
		t.Errorf("root route receiver %q, want alertgate", cfg.Route.Receiver)
	}
	var webhooks int
	for _, r := range cfg.Receivers {
		for _, w := range r.WebhookConfigs {
			webhooks++
			if u := string(w.URL); !strings.HasSuffix(u, "/api/v1/alerts/alertmanager") {
				t.Errorf("receiver %s sends to %s, not alertgate's Alertmanager endpoint", r.Name, u)
			}
			if !w.SendResolved() || w.MaxAlerts != 0 {
				t.Errorf("receiver %s: send_resolved %v max_alerts %d, want true and 0", r.Name, w.SendResolved(), w.MaxAlerts)
			}
			if a := w.HTTPConfig.Authorization; a == nil || a.CredentialsFile == "" || a.Type != "Bearer" {
				t.Errorf("receiver %s: the token must come from http_config.authorization.credentials_file", r.Name)
			}
		}
	}
	if webhooks == 0 {
		t.Fatal("no webhook_configs")
	}
	// The receivers each matcher leads to, in order.
	routes := map[string][]string{}
	for _, r := range cfg.Route.Routes {
		for _, m := range r.Matchers {
			routes[m.String()] = append(routes[m.String()], r.Receiver)
		}
	}
	if w := routes[`alertname="Watchdog"`]; !slices.Equal(w, []string{"alertgate"}) {
		t.Errorf("Watchdog goes to %q, want alertgate: the dead man's switch has no input", w)
	}
	if a := routes[`alertname=~"Alertgate.+"`]; len(a) == 0 || a[0] != "pagerduty-direct" {
		t.Errorf("alertgate's own alerts go to %q, want pagerduty-direct first: a broken alertgate cannot page about itself", a)
	}
}

// TestTerraform_ModulesAreCompleteAndFormatted checks each Terraform root
// module's files, and their formatting when terraform is installed.
// terraform validate needs the providers, which cannot be downloaded here.
func TestTerraform_ModulesAreCompleteAndFormatted(t *testing.T) {
	want := map[string][]string{
		"aws":       {"aws_sns_topic_subscription", "endpoint_auto_confirms", "/api/v1/alerts/cloudwatch", "aws_cloudwatch_metric_alarm"},
		"newrelic":  {"newrelic_notification_destination", "newrelic_notification_channel", "newrelic_workflow", "/api/v1/alerts/newrelic", "Authorization"},
		"pagerduty": {"pagerduty_service", "pagerduty_escalation_policy", "pagerduty_schedule", "pagerduty_service_integration", "events_api_v2_inbound_integration"},
	}
	for module, needles := range want {
		var all strings.Builder
		for _, f := range []string{"versions.tf", "variables.tf", "main.tf", "outputs.tf"} {
			all.Write(readFile(t, filepath.Join("terraform", module, f)))
		}
		for _, s := range needles {
			if !strings.Contains(all.String(), s) {
				t.Errorf("terraform/%s does not mention %s", module, s)
			}
		}
	}
	tf, err := exec.LookPath("terraform")
	if err != nil {
		t.Log("terraform not installed: formatting not checked")
		return
	}
	out, err := exec.Command(tf, "fmt", "-check", "-recursive", "-no-color", "terraform").CombinedOutput()
	if err != nil {
		t.Errorf("terraform fmt -check: %v\n%s", err, out)
	}
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// decodeYAML decodes the file at path into v. Keys v does not declare are
// ignored: the tests read parts of larger files.
func decodeYAML(t *testing.T, path string, v any) {
	t.Helper()
	if err := yaml.Unmarshal(readFile(t, path), v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}
