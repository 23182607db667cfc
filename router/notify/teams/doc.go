// Package teams delivers notifications to Microsoft Teams channels
// through a Workflows webhook ("When a Teams webhook request is
// received", Power Automate) or a legacy incoming webhook, as an
// Adaptive Card (schema 1.4): the incident's state and title, summary,
// key facts, the alerts, and buttons to the runbook, dashboard and source
// pages. A webhook cannot edit a message, so each notification is one
// card saying what changed.
//
// Alert text is untrusted: it is escaped for the card's Markdown subset,
// so it cannot forge links or formatting; mentions need entities alertgate
// never sends. Cards are kept under Teams' 28 KB message limit. A
// Workflows webhook answers 202; a legacy connector answers 200 and
// reports throttling and errors in its body text ("... HTTP error 429"),
// which is read as such. The webhook URL is a secret and never logged.
package teams
