package notify

import (
	"context"
	"log/slog"
)

// Log is a notifier that writes each notification as one structured log
// line. It is the target of `log` receivers and of every target in dry-run
// mode, so a local trial shows the whole path with no external service.
type Log struct {
	Logger *slog.Logger
}

// Notify logs n: what a person would see, with the runbook (its id, or
// "" when none matched) and who is on call.
func (l Log) Notify(ctx context.Context, n *Notification) error {
	fps := make([]string, 0, len(n.Members))
	for _, m := range n.Members {
		fps = append(fps, string(m.Fingerprint))
	}
	var runbook string
	if rb := n.Enrichment.Runbook; rb != nil {
		runbook = rb.ID
	}
	l.Logger.LogAttrs(ctx, slog.LevelInfo, "notification",
		slog.String("target", n.Target.String()),
		slog.String("incident", n.Occurrence()),
		slog.String("group", n.Incident),
		slog.String("url", n.URL),
		slog.Int64("seq", n.Seq),
		slog.String("kind", string(n.Kind)),
		slog.String("status", string(n.Status)),
		slog.String("severity", string(n.Severity)),
		slog.String("title", n.Title),
		slog.Int("firing", len(n.Firing())),
		slog.Int("members", len(n.Members)),
		slog.Any("fingerprints", fps),
		slog.String("summary", n.Enrichment.Summary),
		slog.String("runbook", runbook),
		slog.String("oncall", n.Enrichment.OnCall),
		slog.Any("notes", n.Notes),
	)
	return nil
}
