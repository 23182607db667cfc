package router

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/alertgate/alertgate/router/internal/httpx"
	"github.com/alertgate/alertgate/router/notify/slack"
	"github.com/alertgate/alertgate/router/pipeline"
)

// silenceFromSlack is how long the Silence button silences.
const silenceFromSlack = time.Hour

// handleSlackInteraction serves POST /api/v1/slack/interactions: the
// Acknowledge, Silence 1h and Resolve buttons. The request is trusted
// only with a valid Slack signature; who clicked is recorded on the
// incident's timeline.
func (rt *Router) handleSlackInteraction(w http.ResponseWriter, r *http.Request) {
	body, ok := rt.readBody(w, r)
	if !ok {
		return
	}
	in, err := slack.ParseInteraction(r.Header, body, rt.state.Load().cfg.Notify.Slack.SigningSecret)
	if errors.Is(err, slack.ErrBadSignature) {
		rt.rejects.log(rt.log, "slack", "slack interaction rejected", "remote", r.RemoteAddr, "reason", err.Error())
		httpx.WriteError(w, http.StatusUnauthorized, "", "invalid or stale Slack signature")
		return
	}
	if err != nil {
		httpx.WriteError(w, http.StatusBadRequest, "payload", err.Error())
		return
	}
	who := in.UserName
	if in.UserID != "" && in.UserID != in.UserName {
		who += " (" + in.UserID + ")"
	}
	log := rt.log.With("incident", in.Incident, "action", in.Action, "by", who)
	// A click applies once: Slack retries a request it got no answer to
	// in time, people double-click, and a captured request can be
	// replayed while its signature is fresh.
	err = rt.engine.Once(r.Context(), in.Action+":"+in.Incident, func(ctx context.Context) error {
		return rt.apply(ctx, in, who)
	})
	switch {
	case errors.Is(err, pipeline.ErrAlreadyApplied):
		log.Info("slack interaction repeated within the action window; nothing done", "window", pipeline.ActionWindow)
	case errors.Is(err, pipeline.ErrIncidentOver):
		log.Info("slack interaction on an incident that is already over")
	case err != nil:
		log.Error("slack interaction failed", "err", err)
		httpx.WriteError(w, http.StatusServiceUnavailable, "", "could not record the action; retry")
		return
	default:
		log.Info("slack interaction applied")
	}
	w.WriteHeader(http.StatusOK)
}

// apply does what a button says.
func (rt *Router) apply(ctx context.Context, in slack.Interaction, who string) error {
	switch in.Action {
	case slack.ActionAcknowledge:
		return rt.engine.Acknowledge(ctx, in.Incident, who, "Slack")
	case slack.ActionSilence:
		_, err := rt.engine.Silence(ctx, in.Incident, who, silenceFromSlack, "Slack")
		return err
	case slack.ActionResolve:
		return rt.engine.Resolve(ctx, in.Incident, who, "Slack")
	case slack.ActionAnnounce:
		return rt.engine.Announce(ctx, in.Incident, who, rt.state.Load().cfg.Enrich.LLM.Language)
	}
	return nil
}
