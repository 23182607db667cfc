package slack

import (
	"strconv"
	"strings"

	"github.com/slack-go/slack"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/router/notify"
)

// Block Kit limits, from Slack's Block Kit reference.
const (
	maxHeaderText     = 150
	maxSectionText    = 3000
	maxFields         = 10
	maxFieldText      = 2000
	maxContextElems   = 10
	maxButtonValue    = 2000
	maxConfirmTitle   = 100
	maxConfirmText    = 300
	maxConfirmButtons = 30
)

// Budgets for the parts of a message. They keep every part well inside
// its Block Kit limit and the whole message inside maxMessageText.
const (
	summaryBudget  = 2000
	membersBudget  = 2500
	maxMemberLines = 15
	fieldValueLen  = 150
	maxFieldValues = 3
	stepLen        = 300
	maxSteps       = 3
	noteLen        = 300
	maxNotes       = 3
	maxLinks       = 2
	// maxMessageText bounds the text of all blocks together. Slack
	// rejects messages whose blocks are too long in total
	// (msg_blocks_too_long) at an undocumented size somewhat above this.
	maxMessageText = 10000
)

// messageBlocks renders the incident's current state as Block Kit
// blocks. Buttons are added only when interactive (bot-token mode);
// lead, when not empty, is a line shown above the summary (what a
// webhook message reports about the change).
func messageBlocks(nt *notify.Notification, interactive bool, lead string) []slack.Block {
	blocks := []slack.Block{headerBlock(nt)}
	if lead != "" {
		blocks = append(blocks, section(clipMrkdwn(lead, maxSectionText)))
	}
	optional := []slack.Block{
		summaryBlock(nt),
		ackBlock(nt),
		fieldsBlock(nt),
		membersBlock(nt),
		runbookBlock(nt),
		contextBlock(nt),
	}
	for _, b := range optional {
		if b != nil {
			blocks = append(blocks, b)
		}
	}
	if b := linksBlock(nt, interactive); b != nil {
		blocks = append(blocks, b)
	}
	if interactive {
		if b := actionsBlock(nt); b != nil {
			blocks = append(blocks, b)
		}
	}
	return fit(blocks)
}

// fit drops the least important blocks while the message is longer than
// maxMessageText; the header, summary and buttons always stay.
func fit(blocks []slack.Block) []slack.Block {
	for _, drop := range []string{blockMembers, blockContext, blockRunbook, blockFields} {
		if textLen(blocks) <= maxMessageText {
			break
		}
		blocks = dropBlock(blocks, drop)
	}
	return blocks
}

// Block IDs name the optional blocks so that fit can find them, and tell
// a reader of the raw message which block is which.
const (
	blockMembers = "alertgate_members"
	blockContext = "alertgate_context"
	blockRunbook = "alertgate_runbook"
	blockFields  = "alertgate_fields"
	blockActions = "alertgate_actions"
)

func dropBlock(blocks []slack.Block, id string) []slack.Block {
	out := blocks[:0]
	for _, b := range blocks {
		if b.ID() != id {
			out = append(out, b)
		}
	}
	return out
}

// textLen is the length of all text in blocks.
func textLen(blocks []slack.Block) int {
	n := 0
	for _, b := range blocks {
		switch b := b.(type) {
		case *slack.HeaderBlock:
			n += len(b.Text.Text)
		case *slack.SectionBlock:
			if b.Text != nil {
				n += len(b.Text.Text)
			}
			for _, f := range b.Fields {
				n += len(f.Text)
			}
		case *slack.ContextBlock:
			for _, e := range b.ContextElements.Elements {
				if t, ok := e.(*slack.TextBlockObject); ok {
					n += len(t.Text)
				}
			}
		}
	}
	return n
}

func plain(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, s, true, false)
}

func mrkdwn(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.MarkdownType, s, false, false)
}

func section(text string, opts ...slack.SectionBlockOption) *slack.SectionBlock {
	return slack.NewSectionBlock(mrkdwn(text), nil, nil, opts...)
}

// clipMrkdwn shortens s, mrkdwn this package built from escaped parts,
// to n bytes: at a line break where possible, so that a link is not cut
// in half.
func clipMrkdwn(s string, n int) string {
	if len(s) <= n {
		return s
	}
	const ellipsis = "\n…"
	if i := strings.LastIndexByte(s[:n-len(ellipsis)], '\n'); i > 0 {
		return s[:i] + ellipsis
	}
	return truncateEscaped(s, n)
}

func headerBlock(nt *notify.Notification) *slack.HeaderBlock {
	return slack.NewHeaderBlock(plain(clip(badge(nt)+" — "+title(nt), maxHeaderText)))
}

func summaryBlock(nt *notify.Notification) slack.Block {
	s := nt.Enrichment.Summary
	if s == "" {
		s = describe(nt)
	}
	if s == "" {
		return nil
	}
	text := clip(s, summaryBudget)
	switch src := nt.Enrichment.SummarySource; src {
	case "":
	case "llm":
		text += "\n_Summary written by the LLM; check it against the source._"
	case "fallback":
		text += "\n_Fallback summary (the LLM was not used)._"
	default:
		text += "\n_Summary: " + clip(src, 40) + "_"
	}
	return section(text)
}

func ackBlock(nt *notify.Notification) slack.Block {
	if nt.AckedBy == "" {
		return nil
	}
	return section("👀 *Acknowledged by* " + clip(nt.AckedBy, 100))
}

func runbookBlock(nt *notify.Notification) slack.Block {
	rb := nt.Enrichment.Runbook
	if rb == nil {
		return nil
	}
	return section(runbookText(rb), slack.SectionBlockOptionBlockID(blockRunbook))
}

func contextBlock(nt *notify.Notification) slack.Block {
	var elems []slack.MixedElement
	if oc := nt.Enrichment.OnCall; oc != "" {
		elems = append(elems, mrkdwn("📟 On call: *"+clip(oc, 100)+"*"))
	}
	if id := nt.Occurrence(); id != "" {
		elems = append(elems, mrkdwn("🆔 Incident "+incidentLink(nt)))
	}
	if l := sourceLinks(nt); l != "" {
		elems = append(elems, mrkdwn("🔗 "+l))
	}
	if nt.FallbackFor != "" {
		elems = append(elems, mrkdwn("↪️ Sent here because delivery to receiver *"+clip(nt.FallbackFor, 100)+"* failed"))
	}
	for i, note := range nt.Notes {
		if i == maxNotes || len(elems) == maxContextElems-1 {
			elems = append(elems, mrkdwn("_…and "+strconv.Itoa(len(nt.Notes)-i)+" more notes_"))
			break
		}
		elems = append(elems, mrkdwn("⚠️ "+clip(note, noteLen)))
	}
	if len(elems) == 0 {
		return nil
	}
	return slack.NewContextBlock(blockContext, elems...)
}

// incidentLink is the incident's ID, linked to its console page when
// there is one: the ID people quote, the one postmortem and the log use.
func incidentLink(nt *notify.Notification) string {
	id := "`" + Escape(nt.Occurrence()) + "`"
	if _, ok := safeURL(nt.URL); ok {
		return link(nt.URL, nt.Occurrence(), 120)
	}
	return id
}

// sourceLinks links to where the alerts came from: each distinct
// generator and source URL, a few of them.
func sourceLinks(nt *notify.Notification) string {
	var links []string
	seen := map[string]bool{}
	add := func(raw, text string) {
		if len(links) == maxLinks || raw == "" || seen[raw] {
			return
		}
		seen[raw] = true
		if _, ok := safeURL(raw); ok {
			links = append(links, link(raw, text, 60))
		}
	}
	for _, m := range nt.Members {
		add(m.GeneratorURL, "Source")
		add(m.SourceURL, sourceName(string(m.Source)))
	}
	return strings.Join(links, " · ")
}

func sourceName(s string) string {
	switch s {
	case "alertmanager":
		return "Alertmanager"
	case "cloudwatch":
		return "CloudWatch"
	case "newrelic":
		return "New Relic"
	case "":
		return "Sender"
	}
	return s
}

// actionsBlock holds the buttons. Each carries the incident key as its
// value, so that a click can be handled without looking the message up.
// A resolved incident has no buttons; an acknowledged one has no
// Acknowledge button.
func actionsBlock(nt *notify.Notification) slack.Block {
	if nt.Status == alert.StatusResolved || nt.Incident == "" || len(nt.Incident) > maxButtonValue {
		return nil
	}
	var buttons []slack.BlockElement
	if nt.AckedBy == "" {
		buttons = append(buttons, slack.NewButtonBlockElement(ActionAcknowledge, nt.Incident, plain("Acknowledge")).WithStyle(slack.StylePrimary))
	}
	buttons = append(buttons,
		slack.NewButtonBlockElement(ActionSilence, nt.Incident, plain("Silence 1h")),
		slack.NewButtonBlockElement(ActionAnnounce, nt.Incident, plain("Post announcement")),
		slack.NewButtonBlockElement(ActionResolve, nt.Incident, plain("Resolve")).
			WithStyle(slack.StyleDanger).
			WithConfirm(resolveConfirm(nt)),
	)
	return slack.NewActionBlock(blockActions, buttons...)
}

func resolveConfirm(nt *notify.Notification) *slack.ConfirmationBlockObject {
	text := "Mark “" + title(nt) + "” resolved in alertgate? Alerts that still fire will open a new incident."
	return slack.NewConfirmationBlockObject(
		plain("Resolve this incident?"),
		plain(clip(text, maxConfirmText)),
		plain("Resolve"),
		plain("Cancel"),
	).WithStyle(slack.StyleDanger)
}
