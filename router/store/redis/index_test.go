package redis

import (
	"testing"

	"github.com/alertgate/alertgate/router/store"
	"github.com/alertgate/alertgate/router/store/redis/redistest"
	"github.com/alertgate/alertgate/router/store/storetest"
)

func TestConformanceIndex(t *testing.T) {
	srv := redistest.Start(t)
	storetest.RunIndex(t, func(t *testing.T, opts store.Options) store.Store {
		return newStore(t, srv, t.Name()+":", opts)
	})
}
