package slack

import (
	"strconv"
	"strings"

	"github.com/slack-go/slack"

	"github.com/alertgate/alertgate/router/notify"
)

// maxChronicLines bounds the incidents a chronic digest lists; the rest
// are counted.
const maxChronicLines = 20

// chronicBlocks renders a channel's chronic digest: one section per
// incident, most firing first as the pipeline sorted them.
func chronicBlocks(nt *notify.Notification) []slack.Block {
	blocks := []slack.Block{
		slack.NewHeaderBlock(plain(clip("🗂 "+chronicTitle(nt), maxHeaderText))),
		section("These incidents keep firing or churning. Their own messages went quiet: fix or delete the rules behind them."),
	}
	for i := range nt.Chronic {
		if i == maxChronicLines {
			blocks = append(blocks, section("_…and "+strconv.Itoa(len(nt.Chronic)-i)+" more_"))
			break
		}
		blocks = append(blocks, section(clipMrkdwn(chronicLine(nt, &nt.Chronic[i]), maxSectionText)))
	}
	return fit(blocks)
}

func chronicTitle(nt *notify.Notification) string {
	if nt.Title != "" {
		return nt.Title
	}
	return strconv.Itoa(len(nt.Chronic)) + " chronic incidents"
}

// chronicLine is one incident of the digest: what, how much, since when,
// whose, and the runbook.
func chronicLine(nt *notify.Notification, c *notify.ChronicIncident) string {
	var b strings.Builder
	b.WriteString(severityEmoji(c.Severity) + " *" + clip(c.Alert, 150) + "* — " + clip(c.Title, 250))
	parts := []string{strconv.Itoa(c.Firing) + " firing of " + strconv.Itoa(c.Members)}
	if d := since(c.Since, nt.CreatedAt); d != "" {
		parts = append(parts, "open "+d)
	}
	if c.Why != "" {
		parts = append(parts, clip(c.Why, 100))
	}
	if c.Owner != "" {
		parts = append(parts, "owner *"+clip(c.Owner, 100)+"*")
	}
	b.WriteString("\n" + strings.Join(parts, " · "))
	if c.Runbook != "" {
		b.WriteString(" · 📖 " + link(c.Runbook, "runbook", 40))
	}
	if _, ok := safeURL(c.URL); ok {
		b.WriteString("\n" + link(c.URL, c.IncidentID, 120))
	} else {
		b.WriteString("\n`" + clip(c.IncidentID, 200) + "`")
	}
	return b.String()
}

// chronicText is the digest's plain text, for notifications and clients
// without Block Kit.
func chronicText(nt *notify.Notification) string {
	var names []string
	for i, c := range nt.Chronic {
		if i == 5 {
			names = append(names, "…")
			break
		}
		names = append(names, c.Alert)
	}
	return clip("🗂 "+chronicTitle(nt)+": "+strings.Join(names, ", "), 700)
}
