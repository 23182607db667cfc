package slack

import (
	"strconv"
	"strings"

	"github.com/alertgate/alertgate/router/notify"
)

// Budgets of the runbook section: whole steps only, so a command is
// never cut in the middle; what does not fit is left to the runbook.
const (
	runbookBudget = 2400
	maxStepText   = 400
)

// runbookText is the runbook section's mrkdwn: a link to the runbook,
// then as many whole steps as fit, each command as a code block, and
// "more in the runbook" when steps were left out.
func runbookText(rb *notify.Runbook) string {
	name := rb.Title
	if name == "" {
		name = rb.ID
	}
	var b strings.Builder
	b.WriteString("📖 *Runbook:* " + link(rb.URL, name, 150))
	parts := rb.Parts
	if len(parts) == 0 {
		for _, s := range rb.Steps {
			parts = append(parts, notify.StepPart{Text: s})
		}
	}
	shown := 0
	for i, p := range parts {
		step := "\n" + strconv.Itoa(i+1) + ". " + clip(p.Text, maxStepText)
		if p.Command != "" {
			step += "\n```" + codeSafe(Escape(p.Command)) + "```"
		}
		if b.Len()+len(step) > runbookBudget {
			break
		}
		b.WriteString(step)
		shown++
	}
	if more := len(parts) - shown + rb.More; more > 0 {
		b.WriteString("\n_…" + strconv.Itoa(more) + " more steps in the " + link(rb.URL, "runbook", 20) + "_")
	}
	return b.String()
}

// codeSafe keeps a command from closing its code block early.
func codeSafe(s string) string { return strings.ReplaceAll(s, "```", "`\u200b``") }
