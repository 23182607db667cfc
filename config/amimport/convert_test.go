package amimport

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/alertgate/alertgate/config"
	"github.com/alertgate/alertgate/rules"
)

// amDir is Alertmanager's module source, whose own example and test
// configurations the importer is checked against.
func amDir(t *testing.T) string {
	t.Helper()
	matches, _ := filepath.Glob(filepath.Join(modCache(t), "github.com/prometheus/alertmanager@v0.35.0"))
	if len(matches) == 0 {
		t.Fatal("Alertmanager v0.35.0 is not in the module cache (go mod download github.com/prometheus/alertmanager)")
	}
	return matches[0]
}

// placeholders answers every variable of r with a value of the right
// kind, as the person running the conversion would set them.
func placeholders(r *Result) config.Getenv {
	vals := map[string]string{}
	for _, v := range r.Env {
		vals[v.Name] = "s3cret-" + strings.ToLower(v.Name)
		if v.URL {
			vals[v.Name] = "https://hooks.example.com/" + strings.ToLower(v.Name)
		}
	}
	return func(name string) (string, bool) { v, ok := vals[name]; return v, ok }
}

// check converts an Alertmanager file and loads the result as check-config
// does.
func check(t *testing.T, path string) *Result {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	res, err := Convert(data, Options{SourceDir: filepath.Dir(path), OutputDir: out})
	if err != nil {
		t.Fatalf("convert: %v", err)
	}
	file := filepath.Join(out, "alertgate.yml")
	if err := os.WriteFile(file, res.YAML, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.LoadFile(file, placeholders(res))
	if err != nil {
		t.Fatalf("the converted configuration does not load: %v\n%s", err, res.YAML)
	}
	if _, err := rules.New(cfg); err != nil {
		t.Fatalf("rules: %v", err)
	}
	for _, v := range res.Env {
		if !strings.Contains(string(res.YAML), "${"+v.Name+"}") {
			t.Errorf("variable %s is listed but not used", v.Name)
		}
	}
	return res
}

func TestConvert_AlertmanagersOwnConfigurations(t *testing.T) {
	am := amDir(t)
	files, _ := filepath.Glob(filepath.Join(am, "config/testdata/*.good.yml"))
	examples, _ := filepath.Glob(filepath.Join(am, "doc/examples/*.yml"))
	files = append(files, examples...)
	if len(files) < 4 {
		t.Fatalf("found only %v", files)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			res := check(t, f)
			data, _ := os.ReadFile(f)
			for _, secret := range []string{"mysecret", "<team-X-key>"} {
				if strings.Contains(string(data), secret) && strings.Contains(string(res.YAML), secret) {
					t.Errorf("the secret %q was copied into the output", secret)
				}
			}
			for _, n := range res.Dropped {
				if n.Reason == "" || n.Path == "" {
					t.Errorf("a note that names nothing: %+v", n)
				}
				if n.Line > 0 && !strings.Contains(string(res.YAML), n.String()) {
					t.Errorf("note %q is not in the output's comments", n)
				}
			}
			t.Logf("%s: %d variables, %d not carried over", filepath.Base(f), len(res.Env), len(res.Dropped))
		})
	}
}

// TestConvert_EveryConfigurationAlertmanagerAccepts widens the check to
// every test configuration of Alertmanager that Alertmanager itself
// loads: each converts to a configuration that loads, or is refused
// with Alertmanager's own error.
func TestConvert_EveryConfigurationAlertmanagerAccepts(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(amDir(t), "config/testdata/*.yml"))
	converted := 0
	for _, f := range files {
		data, _ := os.ReadFile(f)
		if _, err := Convert(data, Options{}); err != nil {
			if !strings.Contains(err.Error(), "not a valid Alertmanager configuration") {
				t.Errorf("%s: %v", filepath.Base(f), err)
			}
			continue
		}
		t.Run(filepath.Base(f), func(t *testing.T) { check(t, f) })
		converted++
	}
	t.Logf("%d of %d Alertmanager test configurations load in Alertmanager and convert", converted, len(files))
}
