package memory

import (
	"testing"

	"github.com/alertgate/alertgate/router/store"
	"github.com/alertgate/alertgate/router/store/storetest"
)

func TestConformanceTallies(t *testing.T) {
	storetest.RunTallies(t, func(t *testing.T, opts store.Options) store.Store { return New(opts) })
}
