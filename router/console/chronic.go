package console

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/alertgate/alertgate/router/notify"
	"github.com/alertgate/alertgate/router/pipeline"
	"github.com/alertgate/alertgate/web"
)

// chronicPolicy fills the Noise page's list of the incidents the noise
// policy holds chronic now, per receiver, and when their digests go out
// next. A store that does not answer leaves the rest of the page.
func (s *Server) chronicPolicy(ctx context.Context, p *web.Page, v *web.NoiseView) {
	byReceiver, err := s.deps.Engine.ChronicIncidents(ctx)
	if err != nil {
		s.deps.Logger.Warn("console: reading the chronic incidents failed", "err", err)
		v.PolicyUnread = true
	}
	v.Policy = web.NewChronicReceivers(notify.ChronicLists(byReceiver))
	if at, ok := s.deps.Engine.Rules().NextChronicDigest(p.Now); ok {
		v.NextDigest = at
	}
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
