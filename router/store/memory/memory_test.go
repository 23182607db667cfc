package memory

import (
	"testing"

	"github.com/alertgate/alertgate/router/store"
	"github.com/alertgate/alertgate/router/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T, opts store.Options) storetest.Store { return New(opts) })
}

func TestConformanceState(t *testing.T) {
	storetest.RunState(t, func(t *testing.T, opts store.Options) storetest.StateStore { return New(opts) })
}
