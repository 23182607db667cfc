package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/alertgate/alertgate/config"
	"github.com/alertgate/alertgate/enrich"
	"github.com/alertgate/alertgate/enrich/llm"
	"github.com/alertgate/alertgate/enrich/oncall"
	"github.com/alertgate/alertgate/incident"
	"github.com/alertgate/alertgate/router/notify"
)

// enrichStore is what enrichment reads and caches in the state store.
type enrichStore interface {
	llm.Cache
	Counters(ctx context.Context, days []string) (map[string]incident.Counters, error)
}

// newEnricher builds the enrichment stage from the configuration: the
// runbooks, the LLM if one is configured, and the on-call lookup.
func newEnricher(cfg *config.Config, st enrichStore, oc *oncall.Directory, now func() time.Time, log *slog.Logger, reg prometheus.Registerer) (*enrich.Enricher, error) {
	rbs, err := enrich.LoadRunbooks(cfg)
	if err != nil {
		return nil, err
	}
	opts := enrich.Options{
		Runbooks:       rbs,
		RunbookBaseURL: cfg.Enrich.RunbookBaseURL,
		OnCall:         oc,
		History:        history(st),
		Timeout:        time.Duration(cfg.Enrich.LLM.Timeout),
		Now:            now,
		Logger:         log,
		Registerer:     reg,
	}
	if l := cfg.Enrich.LLM; l.BaseURL != "" {
		opts.Summarizer = llm.New(llm.Config{
			BaseURL:         l.BaseURL,
			Model:           l.Model,
			APIKey:          l.APIKey,
			Timeout:         time.Duration(l.Timeout),
			MaxTokens:       l.MaxTokens,
			Concurrency:     l.Concurrency,
			Language:        l.Language,
			BudgetPerMinute: l.BudgetPerMinute,
			CacheTTL:        time.Duration(l.CacheTTL),
			Now:             now,
		}, st, log)
		log.Info("LLM summaries enabled", "base_url", l.BaseURL, "model", l.Model)
	}
	return enrich.New(opts), nil
}

// history tells the LLM how often the incident's lead alert fired in the
// last seven days, from the report counters.
func history(st enrichStore) func(context.Context, *notify.Notification) llm.History {
	return func(ctx context.Context, n *notify.Notification) llm.History {
		var h llm.History
		if len(n.Members) == 0 {
			return h
		}
		for _, m := range n.Members {
			h.Flapping = h.Flapping || m.Flapping
		}
		now := n.CreatedAt
		days := make([]string, 0, 7)
		for i := range 7 {
			days = append(days, incident.Day(now.AddDate(0, 0, -i)))
		}
		counters, err := st.Counters(ctx, days)
		if err != nil {
			return h
		}
		for _, c := range counters {
			h.FiredLast7d += int(c["alertname:"+n.Members[0].Name])
		}
		return h
	}
}
