package receiver

import (
	"testing"

	"github.com/alertgate/alertgate/config"
	"github.com/alertgate/alertgate/router/notify"
)

func TestBuild_EveryTargetTypeHasANotifierAndDryRunReachesNobody(t *testing.T) {
	for _, dry := range []bool{false, true} {
		cfg := &config.Config{Notify: config.Notify{DryRun: dry}}
		got := Build(cfg, Deps{})
		for _, typ := range config.TargetTypes() {
			n, ok := got[typ]
			if !ok {
				t.Errorf("dry run %v: no notifier for %s", dry, typ)
				continue
			}
			if _, logs := n.(notify.Log); dry && !logs {
				t.Errorf("dry run: %s sends for real (%T)", typ, n)
			}
		}
	}
}
