package pagerduty

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	pd "github.com/PagerDuty/go-pagerduty"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/router/notify"
)

// Limits of one event. PagerDuty documents 255 characters for dedup_key,
// 1024 for payload.summary and 512 KB for the whole event; alertgate
// counts bytes, which is never more than characters, and keeps the event
// to half the documented size.
const (
	maxDedupKeyLen  = 255
	maxSummaryBytes = 1024
	maxEventBytes   = 256 << 10
	maxLinks        = 10
	maxLinkText     = 256
)

// client names alertgate as the monitoring client in PagerDuty.
const client = "alertgate"

// event is the wire event and, for a trigger, the custom details it
// carries, kept typed so that encodeEvent can shrink them.
type event struct {
	wire    pd.V2Event
	details *details
}

// eventAction maps a notification kind onto PagerDuty's event_action.
// Updates and repeats are triggers on the same dedup_key: PagerDuty adds
// them to the open alert (and an acknowledged alert stays acknowledged).
func eventAction(k notify.Kind) string {
	switch k {
	case notify.KindResolve:
		return "resolve"
	case notify.KindAcknowledge:
		return "acknowledge"
	}
	return "trigger"
}

// dedupKey is the incident key, or a stable hash of it when it is longer
// than PagerDuty accepts, so that every event of the incident still
// reaches the same alert.
func dedupKey(incident string) string {
	if len(incident) <= maxDedupKeyLen {
		return incident
	}
	sum := sha256.Sum256([]byte(incident))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// buildEvent maps nt onto one event. Acknowledge and resolve carry only
// the keys, as PagerDuty's examples do.
func buildEvent(nt *notify.Notification, routingKey string) *event {
	ev := &event{wire: pd.V2Event{
		RoutingKey: routingKey,
		Action:     eventAction(nt.Kind),
		DedupKey:   dedupKey(nt.Incident),
	}}
	if ev.wire.Action != "trigger" {
		return ev
	}
	lead := leadMember(nt)
	ev.details = newDetails(nt)
	ev.wire.Client = client
	ev.wire.ClientURL = clientURL(nt)
	ev.wire.Links = links(nt)
	ev.wire.Payload = &pd.V2Payload{
		Summary:   summary(nt),
		Source:    source(nt, lead),
		Severity:  severity(nt.Severity),
		Timestamp: timestamp(nt),
		Component: label(nt, lead, alert.LabelService),
		Group:     label(nt, lead, "namespace", "cluster"),
		Class:     class(nt, lead),
		Details:   ev.details,
	}
	return ev
}

// encodeEvent marshals ev within maxEventBytes, listing fewer members
// until it fits and, as a last resort, replacing the custom details with
// a note. shrunk reports whether anything was left out.
func encodeEvent(ev *event) (body []byte, shrunk bool, err error) {
	for {
		body, err = json.Marshal(&ev.wire)
		if err != nil || len(body) <= maxEventBytes {
			return body, shrunk, err
		}
		shrunk = true
		if ev.details == nil || !ev.details.shrink() {
			break
		}
	}
	ev.wire.Payload.Details = ev.details.overflow(len(body))
	body, err = json.Marshal(&ev.wire)
	if err == nil && len(body) > maxEventBytes {
		err = fmt.Errorf("event of %d bytes exceeds %d even without details", len(body), maxEventBytes)
	}
	return body, true, err
}

// leadMember is the member the event is about: the first firing one,
// else the first.
func leadMember(nt *notify.Notification) *notify.Member {
	for i := range nt.Members {
		if nt.Members[i].Firing() {
			return &nt.Members[i]
		}
	}
	if len(nt.Members) == 0 {
		return nil
	}
	return &nt.Members[0]
}

func firingCount(nt *notify.Notification) int {
	n := 0
	for i := range nt.Members {
		if nt.Members[i].Firing() {
			n++
		}
	}
	return n
}

// summary is the title on one line, cut at a character boundary. The
// title already counts the other alerts ("(+3 more)"); counting them
// again would say the same thing twice.
func summary(nt *notify.Notification) string {
	s := strings.Join(strings.Fields(nt.Title), " ")
	if s == "" {
		s = fallbackTitle(nt)
	}
	return alert.Truncate(s, maxSummaryBytes)
}

func fallbackTitle(nt *notify.Notification) string {
	if lead := leadMember(nt); lead != nil {
		if s := strings.Join(strings.Fields(lead.Summary()), " "); s != "" {
			return s
		}
	}
	return "alertgate incident " + nt.Incident
}

// source is the affected service or host, else the name of the system
// that sent the alert; PagerDuty requires a non-blank source. A pod
// comes last: it names one replica of many, and changes every deploy.
func source(nt *notify.Notification, lead *notify.Member) string {
	if s := nt.GroupLabels[alert.LabelService]; s != "" {
		return s
	}
	if lead == nil {
		return client
	}
	// Labels that name the affected system, most telling first: the
	// service, the host, the Prometheus target, the New Relic entity,
	// the CloudWatch dimension, and only then the Kubernetes pod.
	identity := [...]string{
		alert.LabelService, "host", "node", "instance", "entity",
		"InstanceId", "LoadBalancer", "DBClusterIdentifier", "DBInstanceIdentifier", "job", "pod",
	}
	for _, name := range identity {
		if v := strings.TrimSpace(lead.Labels[name]); v != "" {
			return v
		}
	}
	if lead.Source != "" {
		return string(lead.Source)
	}
	return client
}

// severity maps alertgate's severity onto PagerDuty's enum; an unknown
// one becomes "error", between warning and critical.
func severity(s alert.Severity) string {
	switch s {
	case alert.SeverityCritical:
		return "critical"
	case alert.SeverityWarning:
		return "warning"
	case alert.SeverityInfo:
		return "info"
	}
	return "error"
}

// timestamp is the earliest start among the members, when known.
func timestamp(nt *notify.Notification) string {
	var first time.Time
	for i := range nt.Members {
		t := nt.Members[i].StartsAt
		if !t.IsZero() && (first.IsZero() || t.Before(first)) {
			first = t
		}
	}
	if first.IsZero() {
		return ""
	}
	return first.UTC().Format("2006-01-02T15:04:05.000Z07:00")
}

// label returns the first of names set in the group labels, else in the
// lead member's labels.
func label(nt *notify.Notification, lead *notify.Member, names ...string) string {
	for _, n := range names {
		if v := nt.GroupLabels[n]; v != "" {
			return v
		}
	}
	if lead == nil {
		return ""
	}
	for _, n := range names {
		if v := lead.Labels[n]; v != "" {
			return v
		}
	}
	return ""
}

func class(nt *notify.Notification, lead *notify.Member) string {
	if c := label(nt, lead, alert.LabelAlertName); c != "" || lead == nil {
		return c
	}
	return lead.Name
}

// link is one entry of the event's links.
type link struct {
	Href string `json:"href"`
	Text string `json:"text,omitempty"`
}

// links are the pages a person acts from (notify.Links: runbook,
// dashboard, the rule or alarm, the sender), bounded; PagerDuty shows
// them on the alert and the incident.
func links(nt *notify.Notification) []any {
	var out []any
	if notify.UsableURL(nt.URL) {
		out = append(out, link{Href: nt.URL, Text: alert.Truncate("alertgate incident "+nt.Occurrence(), maxLinkText)})
	}
	for _, l := range notify.LinksUpTo(nt, maxLinks) {
		if len(out) >= maxLinks || !notify.UsableURL(l.URL) {
			continue
		}
		text := l.Title
		if rb := nt.Enrichment.Runbook; rb != nil && l.URL == rb.URL {
			text = "Runbook: " + firstNonEmpty(rb.Title, rb.ID)
		}
		out = append(out, link{Href: l.URL, Text: alert.Truncate(text, maxLinkText)})
	}
	return out
}

// clientURL is where "View in alertgate" leads: the incident's console
// page, else the first sender page.
func clientURL(nt *notify.Notification) string {
	if notify.UsableURL(nt.URL) {
		return nt.URL
	}
	members := nt.Members
	for i := range members {
		if u := members[i].SourceURL; notify.UsableURL(u) {
			return u
		}
	}
	return ""
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
