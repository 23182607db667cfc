package console

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/alertgate/alertgate/incident"
	"github.com/alertgate/alertgate/web"
)

// recentIncidents lists the incidents the store still keeps.
func (s *Server) recentIncidents(ctx context.Context, now time.Time) ([]incident.Incident, error) {
	return s.deps.Actions.RecentIncidents(ctx, now)
}

// handleNow serves the Now page: open incidents, newest first, filtered.
// With the X-Console-Fragment header it answers the board alone, for
// the page's live refresh.
func (s *Server) handleNow(w http.ResponseWriter, r *http.Request, p *web.Page) {
	q := r.URL.Query()
	page, _ := strconv.Atoi(q.Get("page"))
	f := web.BoardFilter{Service: q.Get("service"), Severity: q.Get("severity"), Receiver: q.Get("receiver"), Status: q.Get("status"), Page: page}
	if !f.Valid() {
		s.consoleError(w, r, http.StatusBadRequest, "Unknown status", "status must be open, unacked, acked or resolved, not "+strconv.Quote(f.Status)+".")
		return
	}
	all, err := s.boardIncidents(r.Context(), p.Now, f.Status == web.BoardResolved)
	if err != nil {
		s.consoleError(w, r, http.StatusServiceUnavailable, "Store unavailable", "The state store did not answer; reload in a moment.")
		return
	}
	board := web.NewBoard(all, f, p.Now)
	for _, it := range s.boardItems(r.Context(), board.Selected, p.Now) {
		board.Add(it)
	}
	s.addHeartbeats(r.Context(), &board)
	p.Title, p.Nav, p.Data = "Now", "now", board
	if r.Header.Get(fragmentHeader) == "board" {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		web.SecurityHeaders(w.Header())
		if err := s.web.Fragment(w, "now", "board", p); err != nil {
			s.deps.Logger.Error("rendering the board failed", "err", err)
		}
		return
	}
	s.web.Render(w, http.StatusOK, "now", p)
}

// boardItems reads what the groups of the open incidents hold (one
// store call for them all) and who is on call for each receiver.
func (s *Server) boardItems(ctx context.Context, list []incident.Incident, now time.Time) []web.BoardItem {
	items := make([]web.BoardItem, len(list))
	var open []incident.Incident
	var at []int
	for i, inc := range list {
		items[i].Incident = inc
		if inc.Status != incident.StatusResolved {
			open, at = append(open, inc), append(at, i)
		}
	}
	sums, err := s.boardSummaries(ctx, open, now)
	if err != nil {
		s.deps.Logger.Warn("reading the board's groups failed; rows show no alerts", "err", err)
	}
	for j, sum := range sums {
		if sum.Found {
			it := &items[at[j]]
			it.Members, it.Firing, it.Title, it.Escalated = sum.Members, sum.Firing, sum.Title, sum.Escalated
			for _, src := range sum.Sources {
				it.Sources = append(it.Sources, string(src))
			}
		}
	}
	oncall := map[string]string{}
	for i := range items {
		rc := items[i].Incident.Receiver
		if _, ok := oncall[rc]; !ok {
			oncall[rc] = s.onCall(ctx, rc, now)
		}
		items[i].OnCall = oncall[rc]
	}
	return items
}

// onCall names who is on call for a receiver, or "".
func (s *Server) onCall(ctx context.Context, receiver string, now time.Time) string {
	if s.deps.OnCall == nil || receiver == "" {
		return ""
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	name, _, err := s.deps.OnCall.OnCall(ctx, receiver, now)
	if err != nil {
		return ""
	}
	return name
}
