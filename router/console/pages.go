package console

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/common/model"

	"github.com/alertgate/alertgate/report"
	"github.com/alertgate/alertgate/web"
)

// handleNoisePage serves /noise?since=7d: the noise report's figures as
// charts and tables.
func (s *Server) handleNoisePage(w http.ResponseWriter, r *http.Request, p *web.Page) {
	rng := r.URL.Query().Get("since")
	if rng == "" {
		rng = "7d"
	}
	d, err := model.ParseDuration(rng)
	if err != nil || d <= 0 || time.Duration(d) > 90*24*time.Hour {
		s.consoleError(w, r, http.StatusBadRequest, "Bad range", "since must be a duration up to 90d, like 1d, 7d or 30d.")
		return
	}
	since := p.Now.Add(-time.Duration(d))
	// The chronic incidents are read meanwhile: both wait on the store.
	policy := make(chan web.ChronicPolicy, 1)
	go func() { policy <- s.chronicPolicy(r.Context(), p.Now) }()
	in, err := s.deps.Engine.ReportInput(r.Context(), since, p.Now)
	if err != nil {
		s.consoleError(w, r, http.StatusServiceUnavailable, "Store unavailable", "The state store did not answer; reload in a moment.")
		return
	}
	v := web.NewNoiseView(rng, in, report.Build(in), p.Loc)
	v.Policy = <-policy
	p.Title, p.Nav, p.Data = "Noise", "noise", v
	s.web.Render(w, http.StatusOK, "noise", p)
}

// handleRoutingPage serves /routing?labels=…&at=…: the route tree and,
// for the form's labels, what `alertgate routes test` explains.
func (s *Server) handleRoutingPage(w http.ResponseWriter, r *http.Request, p *web.Page) {
	q := r.URL.Query()
	v := web.RoutingView{Tree: web.NewRouteTree(s.deps.Engine.Config()), Labels: q.Get("labels"), At: strings.TrimSpace(q.Get("at"))}
	p.Title, p.Nav, p.Data = "Routing", "routing", &v
	code := http.StatusOK
	if strings.TrimSpace(v.Labels) != "" {
		code = s.explain(r, p, &v)
	}
	s.web.Render(w, code, "routing", p)
}

// explain fills v with the explanation of its labels at its time,
// or p with the error and the field at fault.
func (s *Server) explain(r *http.Request, p *web.Page, v *web.RoutingView) int {
	labels, err := parseLabelText(v.Labels)
	if err != nil {
		p.Error, p.Field = "Labels: "+err.Error(), "labels"
		return http.StatusBadRequest
	}
	at := p.Now
	if v.At != "" {
		if at, err = time.Parse(time.RFC3339, v.At); err != nil {
			p.Error, p.Field = "At: want an RFC 3339 time like 2026-01-13T03:00:00+09:00", "at"
			return http.StatusBadRequest
		}
	}
	e := s.deps.Engine.Rules().Explain(r.Context(), labels, at, s.deps.OnCall)
	var buf bytes.Buffer
	e.WriteText(&buf)
	v.Explanation, v.Verdict = buf.String(), e.Verdict()
	return http.StatusOK
}

// parseLabelText reads LABEL=VALUE pairs, one per line or separated by
// spaces or commas; a value may be quoted.
func parseLabelText(s string) (map[string]string, error) {
	out := map[string]string{}
	fields := strings.FieldsFunc(s, func(r rune) bool {
		return r == '\n' || r == '\r' || r == ',' || r == ' ' || r == '\t' || r == '{' || r == '}'
	})
	if strings.Contains(s, "\n") {
		fields = nil
		for line := range strings.SplitSeq(s, "\n") {
			if line = strings.TrimSpace(line); line != "" {
				fields = append(fields, line)
			}
		}
	}
	for _, f := range fields {
		k, val, ok := strings.Cut(f, "=")
		k = strings.TrimSpace(k)
		if !ok || !model.LabelName(k).IsValid() {
			return nil, fmt.Errorf("want LABEL=VALUE, got %q", f)
		}
		out[k] = strings.Trim(strings.TrimSpace(val), `"`)
	}
	if len(out) == 0 {
		return nil, errors.New("give the alert's labels as LABEL=VALUE")
	}
	return out, nil
}
