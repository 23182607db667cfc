package router

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"

	"github.com/alertgate/alertgate/incident"
	"github.com/alertgate/alertgate/report"
	"github.com/alertgate/alertgate/router/internal/httpx"
	"github.com/alertgate/alertgate/router/pipeline"
)

// incidentView is an incident as the API lists it.
type incidentView struct {
	incident.Incident
	MTTA report.Minutes `json:"mttaMinutes,omitempty"`
	MTTR report.Minutes `json:"mttrMinutes,omitempty"`
}

// incidentDetail is one incident with its timeline and why its alerts
// joined it.
type incidentDetail struct {
	incidentView
	Timeline []incident.Event `json:"timeline"`
}

func viewOf(inc incident.Incident, events []incident.Event) incidentView {
	f := report.FactsOf(inc, events)
	return incidentView{Incident: inc, MTTA: report.Minutes(f.MTTA().Minutes()), MTTR: report.Minutes(f.MTTR().Minutes())}
}

// handleIncidents serves GET /api/v1/incidents?since=7d&status=open.
func (rt *Router) handleIncidents(w http.ResponseWriter, r *http.Request) {
	now := rt.opts.Now()
	since, ok := sinceParam(w, r, now, 7*24*time.Hour)
	if !ok {
		return
	}
	status := r.URL.Query().Get("status")
	if status != "" && status != incident.StatusOpen && status != incident.StatusResolved {
		httpx.WriteError(w, http.StatusBadRequest, "status", "must be open or resolved")
		return
	}
	list, err := rt.opts.Store.Incidents(r.Context(), now, since, 1000)
	if err != nil {
		httpx.WriteError(w, http.StatusServiceUnavailable, "", "the state store is unavailable; retry")
		return
	}
	out := make([]incidentView, 0, len(list))
	for _, inc := range list {
		if status == "" || inc.Status == status {
			out = append(out, viewOf(inc, nil))
		}
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}

// handleIncident serves GET /api/v1/incidents/{id}.
func (rt *Router) handleIncident(w http.ResponseWriter, r *http.Request) {
	inc, events, ok := rt.loadIncident(w, r)
	if !ok {
		return
	}
	httpx.WriteJSON(w, http.StatusOK, incidentDetail{incidentView: viewOf(inc, events), Timeline: events})
}

// handleDocument serves the announcement and postmortem drafts of an
// incident, in ?lang=en (default) or ja.
func (rt *Router) handleDocument(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		inc, events, ok := rt.loadIncident(w, r)
		if !ok {
			return
		}
		text, err := rt.engine.Document(r.Context(), kind, inc, events, r.URL.Query().Get("lang"))
		if err != nil {
			httpx.WriteError(w, http.StatusBadRequest, "lang", err.Error())
			return
		}
		ct := "text/plain; charset=utf-8"
		if kind == pipeline.DocumentPostmortem {
			ct = "text/markdown; charset=utf-8"
		}
		w.Header().Set("Content-Type", ct)
		_, _ = w.Write([]byte(text))
	}
}

func (rt *Router) loadIncident(w http.ResponseWriter, r *http.Request) (incident.Incident, []incident.Event, bool) {
	id := r.PathValue("id")
	inc, events, ok, err := rt.actions.FindIncident(r.Context(), id)
	switch {
	case err != nil:
		httpx.WriteError(w, http.StatusServiceUnavailable, "", "the state store is unavailable; retry")
	case !ok:
		httpx.WriteError(w, http.StatusNotFound, "id", "no incident "+id)
	}
	return inc, events, err == nil && ok
}

// handleReport serves GET /api/v1/report?since=7d&format=text|markdown|json.
func (rt *Router) handleReport(w http.ResponseWriter, r *http.Request) {
	now := rt.opts.Now()
	since, ok := sinceParam(w, r, now, 7*24*time.Hour)
	if !ok {
		return
	}
	format := r.URL.Query().Get("format")
	if format == "" {
		format = report.FormatJSON
	}
	n, err := rt.engine.Report(r.Context(), since, now)
	if err != nil {
		httpx.WriteError(w, http.StatusServiceUnavailable, "", "the state store is unavailable; retry")
		return
	}
	ct := map[string]string{report.FormatJSON: "application/json", report.FormatMarkdown: "text/markdown; charset=utf-8", report.FormatText: "text/plain; charset=utf-8"}[format]
	if ct == "" {
		httpx.WriteError(w, http.StatusBadRequest, "format", "must be text, markdown or json")
		return
	}
	w.Header().Set("Content-Type", ct)
	_ = n.Write(w, format, rt.engine.Rules().Location())
}

// sinceParam reads ?since= as a duration back from now ("7d", "24h") or
// an RFC 3339 time.
func sinceParam(w http.ResponseWriter, r *http.Request, now time.Time, def time.Duration) (time.Time, bool) {
	s := strings.TrimSpace(r.URL.Query().Get("since"))
	if s == "" {
		return now.Add(-def), true
	}
	if d, err := model.ParseDuration(s); err == nil {
		return now.Add(-time.Duration(d)), true
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, true
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.Unix(n, 0), true
	}
	httpx.WriteError(w, http.StatusBadRequest, "since", "want a duration like 7d or 24h, or an RFC 3339 time")
	return time.Time{}, false
}
