package console

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/alertgate/alertgate/router/notify"
	"github.com/alertgate/alertgate/router/pipeline"
	"github.com/alertgate/alertgate/web"
)

// chronicPolicy reads the incidents the noise policy holds chronic now,
// per receiver, and when their digests go out next, for the Noise page.
// A store that does not answer leaves the rest of the page.
func (s *Server) chronicPolicy(ctx context.Context, now time.Time) web.ChronicPolicy {
	var v web.ChronicPolicy
	byReceiver, err := s.deps.Engine.ChronicIncidents(ctx)
	if err != nil {
		s.deps.Logger.Warn("console: reading the chronic incidents failed", "err", err)
		v.Unread = true
	}
	v.Receivers = web.NewChronicReceivers(notify.ChronicLists(byReceiver))
	if at, ok := s.deps.Engine.Rules().NextChronicDigest(now); ok {
		v.NextDigest = at
	}
	return v
}

// handleChronicDigest sends the chronic digest of the form's receiver
// now (the Noise page's "Send digest now") and goes back to the Noise
// page, saying what was sent.
func (s *Server) handleChronicDigest(w http.ResponseWriter, r *http.Request, p *web.Page) {
	receiver := strings.TrimSpace(r.PostFormValue("receiver"))
	if receiver == "" {
		s.consoleError(w, r, http.StatusBadRequest, "No receiver", "Receiver: say whose chronic digest to send; nothing was sent.")
		return
	}
	n, err := s.deps.Actions.SendChronicDigest(r.Context(), receiver, actorOfPage(r, p))
	switch {
	case errors.Is(err, pipeline.ErrUnknownReceiver):
		s.consoleError(w, r, http.StatusNotFound, "No such receiver", "There is no receiver "+receiver+" in the configuration; nothing was sent.")
		return
	case err != nil:
		s.consoleError(w, r, http.StatusServiceUnavailable, "Not sent", "The chronic digest could not be sent ("+err.Error()+"); nothing was sent. Try again.")
		return
	}
	done := fmt.Sprintf("Chronic digest of %s sent by %s: %d chronic incidents.", receiver, p.User.Name, n)
	if n == 1 {
		done = fmt.Sprintf("Chronic digest of %s sent by %s: 1 chronic incident.", receiver, p.User.Name)
	}
	if n == 0 {
		done = "Nothing is chronic for " + receiver + " now; no digest was sent."
	}
	path := "/noise"
	if rng := r.PostFormValue("since"); slices.Contains(web.NoiseRanges, rng) {
		path += "?since=" + url.QueryEscape(rng)
	}
	back(w, r, path+"#chronic-incidents", done)
}
