package notify

import (
	"net/url"

	"github.com/alertgate/alertgate/alert"
)

// MaxLinks bounds the links of one notification: buttons and link lists
// stay readable, and each provider's limit (Slack's five buttons a row
// and 25 elements, PagerDuty's links) is far.
const MaxLinks = 5

// maxLinkURL bounds a link's URL; a longer one is left out rather than
// risk the whole message.
const maxLinkURL = 2048

// Links are the pages a person acts from, most useful first: the runbook
// (matched, or the alerts' runbook_url), the alerts' dashboard_url, the
// page of the rule or alarm that fired (Prometheus graph, CloudWatch
// alarm, New Relic issue) and the sending system's own page (Alertmanager,
// the CloudWatch console). Each URL once, absolute http(s) only: alert
// text is untrusted, and a javascript: link must never become a button.
func Links(n *Notification) []Link { return LinksUpTo(n, MaxLinks) }

// LinksUpTo is Links with another bound, for providers that show more.
func LinksUpTo(n *Notification, limit int) []Link {
	var out []Link
	seen := map[string]bool{}
	add := func(title, raw string) {
		if len(out) >= limit || seen[raw] || !UsableURL(raw) {
			return
		}
		seen[raw] = true
		out = append(out, Link{Title: alert.Truncate(title, 75), URL: raw})
	}
	if rb := n.Enrichment.Runbook; rb != nil {
		add("Runbook", rb.URL)
	}
	for i := range n.Members {
		add("Runbook", n.Members[i].Annotations["runbook_url"])
	}
	for i := range n.Members {
		add("Dashboard", n.Members[i].Annotations["dashboard_url"])
	}
	for i := range n.Members {
		m := &n.Members[i]
		add(generatorTitle(m.Source), m.GeneratorURL)
		add(sourceTitle(m.Source), m.SourceURL)
	}
	return out
}

// UsableURL reports whether s is an absolute http(s) URL of reasonable
// length.
func UsableURL(s string) bool {
	if s == "" || len(s) > maxLinkURL {
		return false
	}
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" && u.User == nil
}

func generatorTitle(s alert.Source) string {
	switch s {
	case alert.SourceAlertmanager:
		return "Prometheus graph"
	case alert.SourceCloudWatch:
		return "CloudWatch alarm"
	case alert.SourceNewRelic:
		return "New Relic issue"
	}
	return "Source"
}

func sourceTitle(s alert.Source) string {
	switch s {
	case alert.SourceAlertmanager:
		return "Alertmanager"
	case alert.SourceCloudWatch:
		return "CloudWatch console"
	case alert.SourceNewRelic:
		return "New Relic"
	}
	return "Sender"
}
