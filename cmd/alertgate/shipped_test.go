//go:build !e2e

package main

import (
	"strings"
	"testing"
)

func TestServe_TheShippedBinaryHasNoTestingFlags(t *testing.T) {
	code, _, errOut := runCLI(t, noEnv, "serve", "--help")
	if code != exitOK || strings.Contains(strings.ToLower(errOut), "testing") {
		t.Errorf("serve --help: exit %d\n%s\nwant no testing flag", code, errOut)
	}
	code, _, errOut = runCLI(t, noEnv, "serve", "--testing-clock", "--config", "../../config/alertgate.yml")
	if code != exitUsage || !strings.Contains(errOut, "flag provided but not defined: -testing-clock") {
		t.Errorf("serve --testing-clock: exit %d, %q; want a usage error", code, errOut)
	}
}
