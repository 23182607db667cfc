package enrich

import (
	"fmt"
	"strings"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/router/notify"
)

// SummaryFallback and SummaryLLM are the values of
// notify.Enrichment.SummarySource.
const (
	SummaryFallback = "fallback"
	SummaryLLM      = "llm"
)

// FallbackSummary writes a deterministic summary from the alerts alone:
// what fires, where, since when. It is used whenever no LLM is configured
// or the LLM fails, so every notification has a summary.
func FallbackSummary(n *notify.Notification) string {
	var b strings.Builder
	firing := n.Firing()
	switch {
	case n.Status == alert.StatusResolved:
		fmt.Fprintf(&b, "Resolved: %s.", n.Title)
	case len(firing) == 1:
		a := firing[0]
		fmt.Fprintf(&b, "%s %s alert %s is firing", article(string(a.Severity)), a.Severity, a.Name)
		if where := location(a.Labels); where != "" {
			fmt.Fprintf(&b, " on %s", where)
		}
		fmt.Fprintf(&b, " since %s.", a.StartsAt.UTC().Format(time.RFC3339))
		if d := a.Annotations["description"]; d != "" {
			b.WriteString(" ")
			b.WriteString(alert.Truncate(d, 300))
		}
	default:
		names := map[string]int{}
		var order []string
		for _, m := range firing {
			if names[m.Name] == 0 {
				order = append(order, m.Name)
			}
			names[m.Name]++
		}
		fmt.Fprintf(&b, "%d alerts are firing (highest severity %s):", len(firing), n.Severity)
		for i, name := range order {
			if i == 5 {
				fmt.Fprintf(&b, " and %d more", len(order)-5)
				break
			}
			fmt.Fprintf(&b, " %s ×%d", name, names[name])
			if i < len(order)-1 && i < 4 {
				b.WriteString(",")
			}
		}
		b.WriteString(".")
	}
	if n.Enrichment.Runbook != nil && len(n.Enrichment.Runbook.Steps) > 0 {
		fmt.Fprintf(&b, " First step: %s", n.Enrichment.Runbook.Steps[0])
	}
	return b.String()
}

// location names where an alert fires from its most telling labels.
func location(labels map[string]string) string {
	var parts []string
	for _, k := range []string{"service", "namespace", "instance", "pod", "node", "entity", "LoadBalancer", "DBClusterIdentifier", "region"} {
		if v := labels[k]; v != "" {
			parts = append(parts, k+"="+v)
		}
		if len(parts) == 2 {
			break
		}
	}
	return strings.Join(parts, ", ")
}

func article(word string) string {
	if word != "" && strings.ContainsRune("aeiou", rune(word[0])) {
		return "An"
	}
	return "A"
}
