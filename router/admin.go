package router

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/alertgate/alertgate/config"
)

// admin wraps a handler of the operator API (silences, incidents, report,
// reload) with the admin bearer token. Without a configured token the API
// is off: it must never be open by accident.
func (rt *Router) admin(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		token := rt.state.Load().cfg.Server.AdminToken
		if !token.IsSet() {
			writeError(w, http.StatusForbidden, "", "the admin API is disabled: set server.admin_token")
			return
		}
		if err := checkBearer(r, token); err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="alertgate-admin"`)
			rt.rejects.log(rt.log, "admin", "admin request rejected", "path", r.URL.Path, "remote", r.RemoteAddr, "reason", err.Error())
			writeError(w, http.StatusUnauthorized, "", err.Error())
			return
		}
		h(w, r)
	}
}

// readBody reads a request body within the configured limit, answering
// 413 or 400 itself when it cannot.
func (rt *Router) readBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	body, code, reason := rt.readLimited(w, r)
	if code != 0 {
		writeError(w, code, "", reason)
		return nil, false
	}
	return body, true
}

// readLimited reads a request body within the configured limit. On
// failure it returns the status to answer and why.
func (rt *Router) readLimited(w http.ResponseWriter, r *http.Request) ([]byte, int, string) {
	limit := rt.state.Load().maxBody
	if r.ContentLength > limit {
		return nil, http.StatusRequestEntityTooLarge, "request body larger than " + strconv.FormatInt(limit, 10) + " bytes"
	}
	// Read into a buffer of the announced size: growing one from nothing
	// was a tenth of what a webhook allocated.
	var buf bytes.Buffer
	if r.ContentLength > 0 {
		buf.Grow(int(r.ContentLength) + bytes.MinRead)
	}
	_, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, limit))
	if err == nil {
		return buf.Bytes(), 0, ""
	}
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return nil, http.StatusRequestEntityTooLarge, "request body larger than " + strconv.FormatInt(tooLarge.Limit, 10) + " bytes"
	}
	return nil, http.StatusBadRequest, "reading body: " + err.Error()
}

// Loader reads the configuration again, for a reload.
type Loader func(ctx context.Context) (*config.Config, error)

func (rt *Router) handleReload(w http.ResponseWriter, r *http.Request) {
	err := rt.ReloadNow(r.Context())
	rt.audit(r.Context(), actorOf(r, r.URL.Query().Get("by"), "api"), "reload", "", "", err)
	if err != nil {
		writeError(w, http.StatusBadRequest, "", err.Error())
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "reloaded"})
}
