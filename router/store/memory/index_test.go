package memory

import (
	"testing"

	"github.com/alertgate/alertgate/router/store"
	"github.com/alertgate/alertgate/router/store/storetest"
)

func TestConformanceIndex(t *testing.T) {
	storetest.RunIndex(t, func(t *testing.T, opts store.Options) store.Store { return New(opts) })
}
