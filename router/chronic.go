package router

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/alertgate/alertgate/router/internal/httpx"
	"github.com/alertgate/alertgate/router/notify"
	"github.com/alertgate/alertgate/router/pipeline"
)

// handleChronic serves GET /api/v1/chronic: per receiver, the open
// incidents that are chronic now, as its chronic digest lists them (the
// console's Noise page shows the same).
func (rt *Router) handleChronic(w http.ResponseWriter, r *http.Request) {
	byReceiver, err := rt.engine.ChronicIncidents(r.Context())
	if err != nil {
		rt.log.Error("reading the chronic incidents failed", "err", err)
		httpx.WriteError(w, http.StatusServiceUnavailable, "", "could not read the chronic incidents; retry")
		return
	}
	httpx.WriteJSON(w, http.StatusOK, notify.ChronicLists(byReceiver))
}

// digestAnswer is the answer of POST /api/v1/chronic/{receiver}/digest.
type digestAnswer struct {
	Receiver string `json:"receiver"`
	// Incidents counts the chronic incidents the digest lists; with none,
	// nothing is sent.
	Incidents int    `json:"incidents"`
	Status    string `json:"status"`
}

// handleChronicDigest serves POST /api/v1/chronic/{receiver}/digest:
// the receiver's chronic digest now, whatever the time (202), or nothing
// when nothing is chronic there (200); 404 for a receiver the
// configuration does not have.
func (rt *Router) handleChronicDigest(w http.ResponseWriter, r *http.Request) {
	who, ok := rt.apiActor(w, r)
	if !ok {
		return
	}
	receiver := r.PathValue("receiver")
	n, err := rt.actions.SendChronicDigest(r.Context(), receiver, who)
	switch {
	case errors.Is(err, pipeline.ErrUnknownReceiver):
		httpx.WriteError(w, http.StatusNotFound, "receiver", "no receiver "+strconv.Quote(receiver)+" in the configuration; nothing was sent")
	case err != nil:
		httpx.WriteError(w, http.StatusServiceUnavailable, "", "could not send the chronic digest; retry")
	case n == 0:
		httpx.WriteJSON(w, http.StatusOK, digestAnswer{Receiver: receiver, Status: "nothing chronic; nothing sent"})
	default:
		httpx.WriteJSON(w, http.StatusAccepted, digestAnswer{Receiver: receiver, Incidents: n, Status: "queued"})
	}
}
