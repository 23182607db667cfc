package router

import (
	"errors"
	"net/http"

	"github.com/alertgate/alertgate/config"
	"github.com/alertgate/alertgate/router/internal/httpx"
	"github.com/alertgate/alertgate/router/notify/pagerduty/pdwebhook"
	"github.com/alertgate/alertgate/router/pipeline"
)

// handlePagerDutyWebhook serves POST /api/v1/pagerduty/webhook: PagerDuty
// webhooks (v3) of incidents alertgate opened. Acknowledging, resolving,
// reassigning or escalating in PagerDuty updates the incident, its
// timeline and its Slack message (an edit, without a sound). The request
// is trusted only with a valid X-PagerDuty-Signature; it is off (404)
// without notify.pagerduty.webhook_secrets. Anything alertgate does not
// act on is answered 200, so PagerDuty does not retry or disable the
// subscription; only alertgate's own trouble is a 503, which PagerDuty
// retries.
func (rt *Router) handlePagerDutyWebhook(w http.ResponseWriter, r *http.Request) {
	var secrets []config.Secret
	for _, s := range rt.state.Load().cfg.Notify.PagerDuty.WebhookSecrets {
		if s.IsSet() { // ${VAR:-} of an unset variable
			secrets = append(secrets, s)
		}
	}
	if len(secrets) == 0 {
		httpx.WriteError(w, http.StatusNotFound, "", "PagerDuty webhooks are off: set notify.pagerduty.webhook_secrets")
		return
	}
	body, ok := rt.readBody(w, r)
	if !ok {
		return
	}
	if err := pdwebhook.Verify(r.Header, body, secrets); err != nil {
		rt.log.Warn("pagerduty webhook rejected", "remote", r.RemoteAddr, "reason", err.Error())
		httpx.WriteError(w, http.StatusUnauthorized, pdwebhook.SignatureHeader, err.Error())
		return
	}
	ch, act, err := pdwebhook.Parse(body)
	if err != nil {
		httpx.WriteError(w, http.StatusBadRequest, "event", err.Error())
		return
	}
	if !act || ch.IncidentKey == "" {
		httpx.WriteJSON(w, http.StatusOK, map[string]string{"status": "ignored"})
		return
	}
	log := rt.log.With("incident", ch.IncidentKey, "action", ch.Action, "by", ch.By, "event", ch.EventID)
	err = rt.engine.Remote(r.Context(), ch.IncidentKey, pipeline.RemoteChange{
		Action: pipeline.RemoteAction(ch.Action), By: ch.By, Assignees: ch.Assignees, Via: "PagerDuty", Link: ch.URL,
	})
	switch {
	case errors.Is(err, pipeline.ErrIncidentOver):
		// Not an incident alertgate has open: one it no longer tracks, or
		// one PagerDuty got from elsewhere.
		log.Info("pagerduty webhook for an incident alertgate does not have open")
		httpx.WriteJSON(w, http.StatusOK, map[string]string{"status": "ignored"})
	case err != nil:
		log.Error("pagerduty webhook could not be applied", "err", err)
		httpx.WriteError(w, http.StatusServiceUnavailable, "", "could not record the change; retry")
	default:
		log.Info("pagerduty change applied")
		httpx.WriteJSON(w, http.StatusOK, map[string]string{"status": "applied"})
	}
}
