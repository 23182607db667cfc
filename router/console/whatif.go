package console

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/alertgate/alertgate/config"
	"github.com/alertgate/alertgate/web"
)

// WhatIf compares the running configuration with a proposed one on
// recorded webhooks (web/whatif.Runner). Errors about one field of the
// form are *web.FieldError.
type WhatIf interface {
	Recording() bool
	Upload(ctx context.Context, running, proposed *config.Config, trace []byte, loc *time.Location) (*web.Comparison, error)
	Recorded(ctx context.Context, running, proposed *config.Config, since time.Time, loc *time.Location) (*web.Comparison, error)
}

// whatIfTimeout bounds one comparison (two replays).
const whatIfTimeout = 2 * time.Minute

func (s *Server) whatIfView() web.WhatIfView {
	v := web.WhatIfView{MaxUpload: s.state.Load().cfg.MaxUploadBytes, Form: web.WhatIfForm{Days: "1"}}
	v.Recording = s.deps.WhatIf != nil && s.deps.WhatIf.Recording()
	return v
}

// handleWhatIfPage serves the What-if form.
func (s *Server) handleWhatIfPage(w http.ResponseWriter, r *http.Request, p *web.Page) {
	p.Title, p.Nav, p.Data = "What if", "whatif", s.whatIfView()
	s.web.Render(w, http.StatusOK, "whatif", p)
}

// handleWhatIf replays a trace through the running configuration and
// the proposed one and shows both. It changes nothing; one comparison
// runs at a time.
func (s *Server) handleWhatIf(w http.ResponseWriter, r *http.Request, p *web.Page) {
	v := s.whatIfView()
	v.Form.Config, v.Form.Trace, v.Form.Days = r.PostFormValue("config"), r.PostFormValue("trace"), r.PostFormValue("days")
	p.Title, p.Nav = "What if", "whatif"
	fail := func(code int, err error) {
		p.Error, p.Data = err.Error(), v
		var fe *web.FieldError
		if errors.As(err, &fe) {
			p.Field = fe.Field
		}
		s.web.Render(w, code, "whatif", p)
	}
	if s.deps.WhatIf == nil {
		fail(http.StatusNotImplemented, errors.New("What-if comparisons are not available in this server."))
		return
	}
	proposed, err := proposedConfig(r, &v.Form)
	if err != nil {
		fail(http.StatusBadRequest, err)
		return
	}
	var trace []byte
	var since time.Time
	if v.Form.Trace == web.TraceRecording {
		days, err := strconv.Atoi(v.Form.Days)
		if err != nil || days < 1 || days > 30 {
			fail(http.StatusBadRequest, &web.FieldError{Field: "days", Msg: "Days: between 1 and 30."})
			return
		}
		since = p.Now.Add(-time.Duration(days) * 24 * time.Hour)
	} else if trace, err = formFile(r, "trace_file"); err != nil || len(trace) == 0 {
		fail(http.StatusBadRequest, &web.FieldError{Field: "trace_file", Msg: "Trace: upload a trace file (serve --record writes one), or choose this server's recording."})
		return
	}
	select {
	case s.whatIfBusy <- struct{}{}:
		defer func() { <-s.whatIfBusy }()
	default:
		fail(http.StatusTooManyRequests, errors.New("Another comparison is running; try again in a minute."))
		return
	}
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(whatIfTimeout + 10*time.Second))
	ctx, cancel := context.WithTimeout(r.Context(), whatIfTimeout)
	defer cancel()
	var res *web.Comparison
	if trace != nil {
		res, err = s.deps.WhatIf.Upload(ctx, s.deps.Engine.Config(), proposed, trace, p.Loc)
	} else {
		res, err = s.deps.WhatIf.Recorded(ctx, s.deps.Engine.Config(), proposed, since, p.Loc)
	}
	detail := v.Form.Trace
	if res != nil {
		detail = fmt.Sprintf("%s: %d records, pages %d -> %d", cmp.Or(detail, "upload"), res.Records, res.PagesBefore, res.PagesAfter)
	}
	s.deps.Actions.Record(r.Context(), actorOfPage(r, p), "whatif", "", detail, err)
	var fe *web.FieldError
	switch {
	case errors.As(err, &fe):
		fail(http.StatusBadRequest, err)
		return
	case err != nil:
		fail(http.StatusUnprocessableEntity, fmt.Errorf("The replay failed: %w", err))
		return
	}
	v.Result = res
	p.Data = v
	s.web.Render(w, http.StatusOK, "whatif", p)
}

// proposedConfig reads the pasted or uploaded configuration. ${VAR}
// references are not expanded from the server's environment (that would
// show its secrets to whoever uploads a configuration): each becomes a
// placeholder.
func proposedConfig(r *http.Request, form *web.WhatIfForm) (*config.Config, error) {
	data := []byte(form.Config)
	if b, err := formFile(r, "config_file"); err != nil {
		return nil, &web.FieldError{Field: "config", Msg: err.Error()}
	} else if len(b) > 0 {
		data, form.Config = b, string(b)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, &web.FieldError{Field: "config", Msg: "Proposed configuration: paste YAML or upload a file."}
	}
	cfg, err := config.Parse(data, func(name string) (string, bool) { return "placeholder-" + strings.ToLower(name), true })
	if err != nil {
		return nil, &web.FieldError{Field: "config", Msg: "Proposed configuration is not valid: " + err.Error()}
	}
	return cfg, nil
}

// formFile reads an uploaded file of a multipart form; nil when none was
// sent.
func formFile(r *http.Request, field string) ([]byte, error) {
	f, _, err := r.FormFile(field)
	if errors.Is(err, http.ErrMissingFile) || errors.Is(err, http.ErrNotMultipart) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the upload %s: %w", field, err)
	}
	defer f.Close()
	return io.ReadAll(f)
}
