package enrich

import "github.com/alertgate/alertgate/router/notify"

// Describe tells the console what it shows of an incident whose alerts
// are n's members: the runbook (the one n's lead alert matches, else the
// one named runbookID, as recorded when it was notified), what users see
// when that runbook's problem happens, and the deterministic summary. It
// never asks the LLM, so a page view costs nothing.
func (e *Enricher) Describe(runbookID string, n *notify.Notification) (rb *notify.Runbook, impact, summary string) {
	rb = e.runbook(n)
	if rb == nil && runbookID != "" {
		if r, ok := e.runbooks.Load().byID[runbookID]; ok {
			rb = e.shown(r)
		}
	}
	if rb != nil {
		impact = e.Impact(rb.ID)
	}
	if len(n.Members) > 0 {
		summary = FallbackSummary(n)
	}
	return rb, impact, summary
}
