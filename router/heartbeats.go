package router

import (
	"net/http"

	"github.com/alertgate/alertgate/router/internal/httpx"
)

// handleHeartbeats serves GET /api/v1/heartbeats: each configured
// heartbeat, its state, when it last arrived and when the next is due,
// for scripts (the console shows the same on its Now page).
func (rt *Router) handleHeartbeats(w http.ResponseWriter, r *http.Request) {
	hbs, err := rt.engine.Heartbeats(r.Context())
	if err != nil {
		rt.log.Error("reading heartbeats failed", "err", err)
		httpx.WriteError(w, http.StatusServiceUnavailable, "", "could not read the heartbeats; retry")
		return
	}
	httpx.WriteJSON(w, http.StatusOK, hbs)
}
