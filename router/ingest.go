package router

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"golang.org/x/time/rate"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/config"
	"github.com/alertgate/alertgate/router/internal/httpx"
	"github.com/alertgate/alertgate/router/pipeline"
	"github.com/alertgate/alertgate/router/source"
)

// Recorder keeps accepted webhooks, for replay.
type Recorder interface {
	Record(at time.Time, src alert.Source, h http.Header, body []byte)
}

// endpoint is one source's webhook endpoint.
type endpoint struct {
	source   alert.Source
	receiver source.Receiver
	// token is the bearer token required; empty when the source
	// authenticates itself (SNS signatures) or runs unauthenticated.
	token config.Secret
	// hmac, if set, accepts requests signed with X-Alertgate-Signature.
	hmac config.Secret
	// limit paces the source's requests on this replica.
	limit *rate.Limiter
}

// authenticateHeaders checks what can be checked before reading the body:
// the bearer token, unless the request is signed (checked with the body).
// A source with only an HMAC secret requires the signature.
func (ep *endpoint) authenticateHeaders(r *http.Request, signed bool) error {
	switch {
	case signed:
		return nil
	case ep.token.IsSet():
		return checkBearer(r, ep.token)
	case ep.hmac.IsSet():
		return authError("missing " + SignatureHeader)
	}
	return nil
}

// limiter builds a source's rate limiter; nil when unlimited.
func limiter(l *config.RateLimit) *rate.Limiter {
	if l == nil || l.RequestsPerSecond <= 0 {
		return nil
	}
	return rate.NewLimiter(rate.Limit(l.RequestsPerSecond), max(l.Burst, 1))
}

// admit takes a slot of the source's rate limit at now (the router's
// clock, so that a replay is limited as the live server was), or says
// how long to wait for one.
func (ep *endpoint) admit(now time.Time) (time.Duration, bool) {
	if ep.limit == nil {
		return 0, true
	}
	r := ep.limit.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return d, false
	}
	return 0, true
}

// ingestResponse is the body of a successful webhook response.
type ingestResponse struct {
	Status string `json:"status"`
	pipeline.Result
	Truncated int    `json:"truncated,omitempty"`
	Note      string `json:"note,omitempty"`
	// Ignored names the fields the alerts could do without whose values
	// could not be read, so that whoever edits the sender's template
	// sees what alertgate left out.
	Ignored []source.Ignored `json:"ignored,omitempty"`
}

// handleIngest serves POST /api/v1/alerts/{source}.
func (rt *Router) handleIngest(src alert.Source) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		st := rt.state.Load()
		ep, ok := st.endpoints[src]
		if !ok {
			httpx.WriteError(w, http.StatusNotFound, "", "source "+string(src)+" is disabled")
			return
		}
		// The request's logger is made when first used: most requests
		// log nothing, and With formats its attributes at once.
		log := func() *slog.Logger { return rt.log.With("source", src, "remote", r.RemoteAddr) }
		reject := func(code int, outcome, field, reason string) {
			rt.metrics.requests.WithLabelValues(string(src), outcome).Inc()
			rt.rejects.log(log(), string(src)+"/"+outcome, "webhook rejected", "status", code, "field", field, "reason", reason)
			httpx.WriteError(w, code, field, reason)
		}
		signed := ep.hmac.IsSet() && r.Header.Get(SignatureHeader) != ""
		if err := ep.authenticateHeaders(r, signed); err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="alertgate"`)
			reject(http.StatusUnauthorized, outcomeUnauthorized, "", err.Error())
			return
		}
		body, code, reason := httpx.ReadLimited(w, r, st.maxBody)
		if code != 0 {
			reject(code, outcomeFor(code), "", reason)
			return
		}
		if signed {
			if err := checkSignature(r.Header.Get(SignatureHeader), body, ep.hmac, rt.opts.Now()); err != nil {
				reject(http.StatusUnauthorized, outcomeUnauthorized, "", err.Error())
				return
			}
		}
		if wait, ok := ep.admit(rt.opts.Now()); !ok {
			w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
			reject(http.StatusTooManyRequests, outcomeRateLimited, "", "rate limit for "+string(src)+" exceeded; retry later")
			return
		}
		batch, err := ep.receiver.Receive(r.Context(), r.Header, body)
		if err != nil {
			var se *source.Error
			if errors.As(err, &se) {
				reject(se.Status, outcomeFor(se.Status), se.Field, se.Reason)
				return
			}
			log().Error("webhook could not be processed", "err", err)
			rt.metrics.requests.WithLabelValues(string(src), outcomeUnavailable).Inc()
			httpx.WriteError(w, http.StatusServiceUnavailable, "", "temporarily unable to process the request; retry")
			return
		}
		if rt.accept(w, r, log, src, batch) && rt.opts.Recorder != nil {
			rt.opts.Recorder.Record(rt.opts.Now(), src, r.Header, body)
		}
	}
}

// accept ingests a parsed batch and answers the sender; it reports
// whether the alerts were taken.
func (rt *Router) accept(w http.ResponseWriter, r *http.Request, log func() *slog.Logger, src alert.Source, batch source.Batch) bool {
	if batch.Truncated > 0 {
		log().Warn("sender truncated alerts (Alertmanager max_alerts); the missing ones were never received", "truncated", batch.Truncated)
	}
	res, err := rt.engine.Ingest(r.Context(), src, batch.Alerts)
	if err != nil {
		log().Error("alerts could not be accepted", "alerts", len(batch.Alerts), "err", err)
		rt.metrics.requests.WithLabelValues(string(src), outcomeUnavailable).Inc()
		httpx.WriteError(w, http.StatusServiceUnavailable, "", "temporarily unable to accept alerts; retry")
		return false
	}
	rt.metrics.requests.WithLabelValues(string(src), outcomeAccepted).Inc()
	rt.metrics.received.WithLabelValues(string(src)).Add(float64(len(batch.Alerts)))
	if batch.Note != "" {
		log().Info("webhook accepted", "note", batch.Note)
	}
	if len(batch.Ignored) > 0 {
		log().Debug("webhook accepted without fields it could not read", "ignored", batch.Ignored)
	}
	writeIngestResponse(w, ingestResponse{Status: "ok", Result: res, Truncated: batch.Truncated, Note: batch.Note, Ignored: batch.Ignored})
	return true
}

// writeIngestResponse answers 200 with resp as httpx.WriteJSON would. The
// usual answer (status ok, no note, nothing ignored) is written by hand:
// encoding/json's reflection was a tenth of what the handler spent on a
// webhook of one alert.
func writeIngestResponse(w http.ResponseWriter, resp ingestResponse) {
	if resp.Status != "ok" || resp.Note != "" || len(resp.Ignored) > 0 {
		httpx.WriteJSON(w, http.StatusOK, resp)
		return
	}
	var buf [160]byte
	b := append(buf[:0], `{"status":"ok","accepted":`...)
	b = strconv.AppendInt(b, int64(resp.Accepted), 10)
	b = append(b, `,"notify":`...)
	b = strconv.AppendInt(b, int64(resp.Notify), 10)
	b = append(b, `,"suppressed":`...)
	b = strconv.AppendInt(b, int64(resp.Suppressed), 10)
	b = append(b, `,"dropped":`...)
	b = strconv.AppendInt(b, int64(resp.Dropped), 10)
	if resp.Degraded != 0 {
		b = append(b, `,"degraded":`...)
		b = strconv.AppendInt(b, int64(resp.Degraded), 10)
	}
	if resp.Truncated != 0 {
		b = append(b, `,"truncated":`...)
		b = strconv.AppendInt(b, int64(resp.Truncated), 10)
	}
	b = append(b, "}\n"...)
	httpx.WriteEncoded(w, http.StatusOK, b)
}

func outcomeFor(status int) string {
	switch status {
	case http.StatusUnauthorized:
		return outcomeUnauthorized
	case http.StatusForbidden:
		return outcomeForbidden
	case http.StatusRequestEntityTooLarge:
		return outcomeTooLarge
	case http.StatusTooManyRequests:
		return outcomeRateLimited
	}
	return outcomeBadRequest
}
