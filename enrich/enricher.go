package enrich

import (
	"context"

	"github.com/alertgate/alertgate/router/notify"
)

// Enricher fills a notification's Enrichment.
type Enricher struct{}

// New returns an Enricher.
func New() *Enricher { return &Enricher{} }

// Enrich sets the summary. It never fails: whatever goes wrong, the
// notification leaves with the fallback summary.
func (e *Enricher) Enrich(_ context.Context, n *notify.Notification) {
	n.Enrichment.Summary = FallbackSummary(n)
	n.Enrichment.SummarySource = SummaryFallback
}
