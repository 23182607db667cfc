package e2e

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// binary is the alertgate binary under test, built once by TestMain.
var binary string

// moduleRoot is the directory of go.mod, where the binary is built from
// and the example configuration and runbooks live.
var moduleRoot string

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "alertgate-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	if moduleRoot, err = findModuleRoot(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	binary = filepath.Join(dir, "alertgate")
	if err := build(binary); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: building alertgate:", err)
		return 1
	}
	return m.Run()
}

// build compiles cmd/alertgate with the e2e build tag, which adds the
// test hooks (a settable clock, a stand-in for AWS) the suite drives;
// tags, if given, replace it (none builds the binary users get).
func build(out string, tags ...string) error {
	if tags == nil {
		tags = []string{"e2e"}
	}
	cmd := exec.Command(goTool(), "build", "-tags", strings.Join(tags, ","), "-o", out, "./cmd/alertgate")
	cmd.Dir = moduleRoot
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%w\n%s", err, stderr.String())
	}
	return nil
}

// goTool is the go command of the toolchain running the tests.
func goTool() string {
	if p := filepath.Join(runtime.GOROOT(), "bin", "go"); fileExists(p) {
		return p
	}
	return "go"
}

func findModuleRoot() (string, error) {
	out, err := exec.Command(goTool(), "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", fmt.Errorf("not inside the alertgate module")
	}
	return filepath.Dir(gomod), nil
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
