package router

import (
	"context"
	"net/http"

	"github.com/alertgate/alertgate/config"
	"github.com/alertgate/alertgate/router/internal/httpx"
	"github.com/alertgate/alertgate/router/internal/operator"
)

// admin wraps a handler of the operator API (silences, incidents, report,
// reload) with the admin bearer token. Without a configured token the API
// is off: it must never be open by accident.
func (rt *Router) admin(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		token := rt.state.Load().cfg.Server.AdminToken
		if !token.IsSet() {
			httpx.WriteError(w, http.StatusForbidden, "", "the admin API is disabled: set server.admin_token")
			return
		}
		if err := checkBearer(r, token); err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="alertgate-admin"`)
			rt.rejects.log(rt.log, "admin", "admin request rejected", "path", r.URL.Path, "remote", r.RemoteAddr, "reason", err.Error())
			httpx.WriteError(w, http.StatusUnauthorized, "", err.Error())
			return
		}
		h(w, r)
	}
}

// readBody reads a request body within the configured limit, answering
// 413 or 400 itself when it cannot.
func (rt *Router) readBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	return httpx.ReadBody(w, r, rt.state.Load().maxBody)
}

// Loader reads the configuration again, for a reload.
type Loader func(ctx context.Context) (*config.Config, error)

func (rt *Router) handleReload(w http.ResponseWriter, r *http.Request) {
	err := rt.ReloadNow(r.Context())
	rt.actions.Record(r.Context(), operator.ActorOf(r, r.URL.Query().Get("by"), "api"), "reload", "", "", err)
	if err != nil {
		httpx.WriteError(w, http.StatusBadRequest, "", err.Error())
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]string{"status": "reloaded"})
}
