package pipeline

import (
	"time"

	"github.com/alertgate/alertgate/config"
	"github.com/alertgate/alertgate/router/dedup"
	"github.com/alertgate/alertgate/router/store"
)

// StoreOptions are the store options cfg asks for: flap detection,
// retention, leases. serve and replay build their stores with them, so a
// replay decides as the server did.
func StoreOptions(cfg *config.Config) store.Options {
	f, sc := cfg.Dedup.Flap, cfg.Store
	return store.Options{
		Flap: dedup.FlapPolicy{
			Transitions:     f.Transitions,
			Window:          time.Duration(f.Window),
			Quiet:           time.Duration(f.Quiet),
			LongTransitions: f.LongTransitions,
			LongWindow:      time.Duration(f.LongWindow),
			ResolveHold:     time.Duration(f.ResolveHold),
		},
		Retention:         time.Duration(sc.Retention),
		IncidentRetention: time.Duration(sc.IncidentRetention),
		ReclaimAfter:      time.Duration(cfg.Notify.Outbox.ReclaimAfter),
		LeaseTTL:          time.Duration(sc.LeaseTTL),
		MaxAlerts:         sc.MaxAlerts,
	}
}
