package teams

import (
	"encoding/json"
	"strings"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/router/notify"
)

// Limits: Teams refuses messages above about 28 KB; the card is kept
// well under it, listing fewer alerts until it fits.
const (
	maxCardBytes = 24 << 10
	maxMembers   = 20
	maxText      = 2000
)

// message is what a Teams webhook receives: a message with one Adaptive
// Card attachment.
type message struct {
	Type        string       `json:"type"`
	Attachments []attachment `json:"attachments"`
}

type attachment struct {
	ContentType string  `json:"contentType"`
	ContentURL  *string `json:"contentUrl"`
	Content     card    `json:"content"`
}

type card struct {
	Schema  string         `json:"$schema"`
	Type    string         `json:"type"`
	Version string         `json:"version"`
	MSTeams map[string]any `json:"msteams,omitempty"`
	Body    []any          `json:"body"`
	Actions []action       `json:"actions,omitempty"`
}

type textBlock struct {
	Type     string `json:"type"`
	Text     string `json:"text"`
	Wrap     bool   `json:"wrap"`
	Weight   string `json:"weight,omitempty"`
	Size     string `json:"size,omitempty"`
	Color    string `json:"color,omitempty"`
	IsSubtle bool   `json:"isSubtle,omitempty"`
}

type factSet struct {
	Type  string `json:"type"`
	Facts []fact `json:"facts"`
}

type fact struct {
	Title string `json:"title"`
	Value string `json:"value"`
}

type action struct {
	Type  string `json:"type"`
	Title string `json:"title"`
	URL   string `json:"url"`
}

// texts are the card's title and text, defaults or rendered templates.
type texts struct{ title, text string }

// build lays out the card and encodes it within maxCardBytes.
func build(n *notify.Notification, t texts) ([]byte, error) {
	members := min(len(n.Members), maxMembers)
	for {
		body, err := json.Marshal(message{Type: "message", Attachments: []attachment{{
			ContentType: "application/vnd.microsoft.card.adaptive",
			Content:     layout(n, t, members),
		}}})
		if err != nil || len(body) <= maxCardBytes || members == 0 {
			return body, err
		}
		members /= 2
	}
}

func layout(n *notify.Notification, t texts, members int) card {
	c := card{
		Schema:  "http://adaptivecards.io/schemas/adaptive-card.json",
		Type:    "AdaptiveCard",
		Version: "1.4",
		MSTeams: map[string]any{"width": "Full"},
	}
	c.Body = append(c.Body, textBlock{Type: "TextBlock", Text: escape(clip(t.title, 300)), Wrap: true, Weight: "Bolder", Size: "Large", Color: color(n)})
	if ch := n.Change(); ch != "" && n.Kind != notify.KindTrigger {
		c.Body = append(c.Body, textBlock{Type: "TextBlock", Text: escape(ch), Wrap: true, Weight: "Bolder"})
	}
	if n.Kind == notify.KindAnnounce && n.Announcement != "" {
		c.Body = append(c.Body, textBlock{Type: "TextBlock", Text: escape(clip(n.Announcement, maxText)), Wrap: true})
	}
	if t.text != "" {
		c.Body = append(c.Body, textBlock{Type: "TextBlock", Text: escape(clip(t.text, maxText)), Wrap: true})
	}
	if fs := facts(n); len(fs) > 0 {
		c.Body = append(c.Body, factSet{Type: "FactSet", Facts: fs})
	}
	if rb := n.Enrichment.Runbook; rb != nil && len(rb.Steps) > 0 {
		var b strings.Builder
		b.WriteString("**Runbook:** " + escape(clip(firstNonEmpty(rb.Title, rb.ID), 200)))
		for i, s := range rb.Steps {
			b.WriteString("\n\n" + itoa(i+1) + ". " + escape(clip(s, 300)))
		}
		c.Body = append(c.Body, textBlock{Type: "TextBlock", Text: clip(b.String(), maxText), Wrap: true})
	}
	if members > 0 {
		var b strings.Builder
		for i := range members {
			b.WriteString("- " + escape(notify.MemberLine(&n.Members[i])) + "\n")
		}
		if more := len(n.Members) - members; more > 0 {
			b.WriteString("- …and " + itoa(more) + " more\n")
		}
		c.Body = append(c.Body, textBlock{Type: "TextBlock", Text: b.String(), Wrap: true, IsSubtle: true})
	}
	for _, note := range n.Notes {
		c.Body = append(c.Body, textBlock{Type: "TextBlock", Text: "⚠️ " + escape(clip(note, 300)), Wrap: true, Color: "Warning"})
	}
	for _, l := range notify.Links(n) {
		c.Actions = append(c.Actions, action{Type: "Action.OpenUrl", Title: l.Title, URL: l.URL})
	}
	return c
}

func facts(n *notify.Notification) []fact {
	var fs []fact
	add := func(title, value string) {
		if value != "" {
			fs = append(fs, fact{Title: title, Value: escape(clip(value, 200))})
		}
	}
	add("Alerts", n.Counts())
	for _, k := range []string{alert.LabelService, "namespace", "cluster", "region"} {
		add(k, n.GroupLabels[k])
	}
	add("On call", n.Enrichment.OnCall)
	add("Acknowledged by", n.AckedBy)
	add("Incident", n.IncidentID)
	return fs
}

// color is the card's title color: the state at a glance.
func color(n *notify.Notification) string {
	switch {
	case n.Status == alert.StatusResolved:
		return "Good"
	case n.Severity == alert.SeverityCritical:
		return "Attention"
	case n.Severity == alert.SeverityWarning:
		return "Warning"
	}
	return "Accent"
}

// escape neutralizes the Markdown subset Adaptive Cards render, so alert
// text shows as written: no forged links, emphasis or lists.
func escape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '\\', '*', '_', '[', ']', '(', ')', '`', '#', '>', '~', '<':
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func clip(s string, n int) string { return alert.Truncate(strings.TrimSpace(s), n) }

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

func itoa(i int) string {
	b, _ := json.Marshal(i)
	return string(b)
}
