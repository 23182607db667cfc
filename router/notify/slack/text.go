package slack

import (
	"strconv"
	"strings"
	"time"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/router/notify"
)

// maxReplyText bounds a thread reply and the fallback text. Slack
// accepts far longer top-level text, but it is what shows in
// notifications and should stay short.
const maxReplyText = 3000

// maxReplyMembers bounds the members an update's reply lists: enough for
// a wave of a storm (the thread then names every member), few enough to
// stay readable and inside maxReplyText.
const maxReplyMembers = 25

// badge is the incident's severity and state, as in "🔴 CRITICAL · FIRING".
func badge(nt *notify.Notification) string {
	sev := severity(nt)
	label := strings.ToUpper(string(sev))
	if label == "" {
		label = "ALERT"
	}
	switch {
	case nt.Status == alert.StatusResolved:
		return "✅ " + label + " · RESOLVED"
	case nt.AckedBy != "":
		return severityEmoji(sev) + " " + label + " · ACKNOWLEDGED"
	}
	return severityEmoji(sev) + " " + label + " · FIRING"
}

// severity is the notification's severity or, once nothing fires and it
// may be empty, the highest among all members.
func severity(nt *notify.Notification) alert.Severity {
	if nt.Severity != "" {
		return nt.Severity
	}
	var s alert.Severity
	for _, m := range nt.Members {
		s = s.Max(m.Severity)
	}
	return s
}

func severityEmoji(s alert.Severity) string {
	switch s {
	case alert.SeverityCritical:
		return "🔴"
	case alert.SeverityWarning:
		return "🟠"
	case alert.SeverityInfo:
		return "🔵"
	}
	return "⚪"
}

func memberEmoji(m *notify.Member) string {
	if m.Status == alert.StatusResolved {
		return "✅"
	}
	return severityEmoji(m.Severity)
}

// title is the incident's one-line description, unescaped.
func title(nt *notify.Notification) string {
	if nt.Title != "" {
		return nt.Title
	}
	if len(nt.Members) > 0 {
		return nt.Members[0].Name
	}
	return nt.Incident
}

// describe is the best description the alerts themselves carry, for when
// there is no summary.
func describe(nt *notify.Notification) string {
	for _, m := range nt.Members {
		if d := m.Annotations["description"]; d != "" {
			return d
		}
	}
	if len(nt.Members) == 1 {
		if s := nt.Members[0].Summary(); s != nt.Members[0].Name {
			return s
		}
	}
	return ""
}

// counts is "3 firing · 1 resolved".
func counts(nt *notify.Notification) string {
	firing := len(nt.Firing())
	parts := []string{strconv.Itoa(firing) + " firing"}
	if r := len(nt.Members) - firing; r > 0 {
		parts = append(parts, strconv.Itoa(r)+" resolved")
	}
	return strings.Join(parts, " · ")
}

// incidentAge is how long the incident has fired, or fired in all once
// resolved: from its earliest member's start to the notification (or to
// the last member's end).
func incidentAge(nt *notify.Notification) string {
	var start, end time.Time
	for _, m := range nt.Members {
		if !m.StartsAt.IsZero() && (start.IsZero() || m.StartsAt.Before(start)) {
			start = m.StartsAt
		}
		if m.EndsAt.After(end) {
			end = m.EndsAt
		}
	}
	if nt.Status != alert.StatusResolved || end.IsZero() {
		end = nt.CreatedAt
	}
	return since(start, end)
}

// memberAge is how long one alert has fired (or fired, once resolved).
func memberAge(nt *notify.Notification, m *notify.Member) string {
	end := nt.CreatedAt
	if m.Status == alert.StatusResolved && !m.EndsAt.IsZero() {
		end = m.EndsAt
	}
	return since(m.StartsAt, end)
}

// since formats to-from, or returns "" when either is unknown.
func since(from, to time.Time) string {
	if from.IsZero() || to.IsZero() || to.Before(from) {
		return ""
	}
	return formatDuration(to.Sub(from))
}

// formatDuration is a short human duration: "<1m", "35m", "2h15m",
// "3d4h". Alert durations need no more precision than that.
func formatDuration(d time.Duration) string {
	switch {
	case d < time.Minute:
		return "<1m"
	case d < time.Hour:
		return strconv.Itoa(int(d/time.Minute)) + "m"
	case d < 24*time.Hour:
		h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
		if m == 0 {
			return strconv.Itoa(h) + "h"
		}
		return strconv.Itoa(h) + "h" + strconv.Itoa(m) + "m"
	}
	days, h := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour)
	if h == 0 {
		return strconv.Itoa(days) + "d"
	}
	return strconv.Itoa(days) + "d" + strconv.Itoa(h) + "h"
}

// fallbackText is the message's plain `text`: what notifications,
// screen readers and clients without Block Kit show.
func fallbackText(nt *notify.Notification) string {
	s := clip(badge(nt)+" — "+title(nt), 300)
	sum := nt.Enrichment.Summary
	if sum == "" {
		sum = describe(nt)
	}
	if sum != "" {
		s += "\n" + clip(sum, 700)
	}
	return s
}

// replyText is the thread reply a notification adds, or "" for a
// trigger, which adds none.
func replyText(nt *notify.Notification) string {
	var s string
	switch nt.Kind {
	case notify.KindUpdate:
		s = updateReply(nt)
	case notify.KindRepeat:
		s = repeatReply(nt)
	case notify.KindResolve:
		s = "✅ *Resolved*"
		if d := incidentAge(nt); d != "" {
			s += " after " + d
		}
		s += "."
	case notify.KindAnnounce:
		s = "📣 *Impact announcement* (draft, copy it where users read):\n```" + Escape(nt.Announcement) + "```"
	case notify.KindDigest:
		s = "🧾 *Digest:* " + clip(nt.Why, 300) + " — now " + counts(nt) + "."
	case notify.KindEscalated:
		s = "⏫ *" + clip(capitalize(nt.Why), 300) + "*."
	case notify.KindAcknowledge:
		who := nt.AckedBy
		if who == "" {
			who = "someone"
		}
		s = "👀 *Acknowledged by* " + clip(who, 100) + "."
	}
	if nt.Why != "" && nt.Kind != notify.KindDigest && nt.Kind != notify.KindEscalated && s != "" {
		s = "*" + clip(capitalize(nt.Why), 200) + ":* " + s
	}
	return clipMrkdwn(s, maxReplyText)
}

// capitalize upper-cases the first letter of an ASCII sentence.
func capitalize(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}

// updateReply lists what changed: new and resolved members.
func updateReply(nt *notify.Notification) string {
	var changed []*notify.Member
	added, resolved := 0, 0
	for i := range nt.Members {
		m := &nt.Members[i]
		switch {
		case m.Change == "new":
			added++
		case m.Change == "resolved" || (m.Change != "" && m.Status == alert.StatusResolved):
			resolved++
		case m.Change == "" || m.Change == "repeat":
			continue
		}
		changed = append(changed, m)
	}
	var b strings.Builder
	b.WriteString("🔄 *Update:* ")
	var parts []string
	if added > 0 {
		parts = append(parts, strconv.Itoa(added)+" new")
	}
	if resolved > 0 {
		parts = append(parts, strconv.Itoa(resolved)+" resolved")
	}
	if other := len(changed) - added - resolved; other > 0 {
		parts = append(parts, strconv.Itoa(other)+" changed")
	}
	if len(parts) > 0 {
		b.WriteString(strings.Join(parts, ", ") + " — ")
	}
	b.WriteString("now " + counts(nt) + ".")
	writeMembers(&b, nt, changed, maxReplyMembers)
	return b.String()
}

// repeatReply reminds that the incident still fires and what fires.
func repeatReply(nt *notify.Notification) string {
	var b strings.Builder
	b.WriteString("🔁 *Still firing*")
	if d := incidentAge(nt); d != "" {
		b.WriteString(" after " + d)
	}
	b.WriteString(": " + counts(nt) + ".")
	firing := nt.Firing()
	ms := make([]*notify.Member, len(firing))
	for i := range firing {
		ms[i] = &firing[i]
	}
	writeMembers(&b, nt, ms, 5)
	return b.String()
}

// writeMembers appends a bullet per member, at most limit of them.
func writeMembers(b *strings.Builder, nt *notify.Notification, ms []*notify.Member, limit int) {
	varying := varyingLabels(nt)
	for i, m := range ms {
		if i == limit {
			b.WriteString("\n_…and " + strconv.Itoa(len(ms)-limit) + " more_")
			return
		}
		b.WriteString("\n• " + memberLine(nt, m, varying))
	}
}
