package notify

import (
	"net/url"
	"strings"
)

// IncidentPath is the console path of an incident's page.
func IncidentPath(id string) string { return "/incidents/" + url.PathEscape(id) }

// IncidentURL is the console page of n's incident under base
// (server.external_url), or "" without a base or without an incident
// record to show (a notification sent while the store was unreachable).
func IncidentURL(base string, n *Notification) string {
	if base == "" || n.IncidentID == "" {
		return ""
	}
	return strings.TrimRight(base, "/") + IncidentPath(n.IncidentID)
}
