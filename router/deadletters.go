package router

import (
	"net/http"
	"strconv"
	"time"

	"github.com/alertgate/alertgate/router/internal/httpx"
	"github.com/alertgate/alertgate/router/notify"
)

// deadLetterView is a dead letter as the API shows it.
type deadLetterView struct {
	ID       string    `json:"id"`
	Incident string    `json:"incident,omitempty"`
	Target   string    `json:"target,omitempty"`
	Kind     string    `json:"kind,omitempty"`
	Title    string    `json:"title,omitempty"`
	Reason   string    `json:"reason"`
	Attempts int       `json:"attempts"`
	Enqueued time.Time `json:"enqueued"`
	At       time.Time `json:"at"`
}

// handleDeadLetters serves GET /api/v1/deadletters?limit=N.
func (rt *Router) handleDeadLetters(w http.ResponseWriter, r *http.Request) {
	limit := 100
	if s := r.URL.Query().Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > notify.MaxDeadLetters {
			httpx.WriteError(w, http.StatusBadRequest, "limit", "must be between 1 and "+strconv.Itoa(notify.MaxDeadLetters))
			return
		}
		limit = n
	}
	dl, err := rt.engine.DeadLetters(r.Context(), limit)
	if err != nil {
		httpx.WriteError(w, http.StatusServiceUnavailable, "", "the state store is unavailable; retry")
		return
	}
	out := make([]deadLetterView, 0, len(dl))
	for _, d := range dl {
		v := deadLetterView{ID: d.ID, Reason: d.Reason, Attempts: d.Attempts, Enqueued: d.Enqueued, At: d.At}
		if n, err := notify.Decode(d.Payload); err == nil {
			v.Incident, v.Target, v.Kind, v.Title = n.Incident, n.Target.String(), string(n.Kind), n.Title
		}
		out = append(out, v)
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}
