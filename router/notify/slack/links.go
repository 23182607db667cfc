package slack

import (
	"strconv"
	"strings"

	"github.com/slack-go/slack"

	"github.com/alertgate/alertgate/router/notify"
)

// blockLinks holds the link buttons.
const blockLinks = "alertgate_links"

// actionLinkPrefix starts the action IDs of link buttons; clicks on them
// reach the interactivity endpoint too, which ignores them.
const actionLinkPrefix = "alertgate_link_"

// linksBlock is a row of link buttons: the runbook, the dashboard and the
// pages of the rule or alarm that fired (notify.Links). Slack opens the
// URL itself; the URLs were checked to be http(s).
func linksBlock(nt *notify.Notification, interactive bool) slack.Block {
	if !interactive {
		// Without an app to receive them, Slack flags button clicks as
		// failed; webhook messages keep their links in the text.
		return nil
	}
	links := notify.Links(nt)
	if len(links) == 0 {
		return nil
	}
	buttons := make([]slack.BlockElement, 0, len(links))
	for i, l := range links {
		if _, ok := safeURL(l.URL); !ok {
			continue
		}
		b := slack.NewButtonBlockElement(actionLinkPrefix+strconv.Itoa(i), "", plain(clip(l.Title, 75)))
		// A button's url is not mrkdwn, but it is shown on hover: the
		// characters of Slack's control sequences are percent-encoded.
		b.URL = strings.NewReplacer("<", "%3C", ">", "%3E", "|", "%7C", " ", "%20").Replace(l.URL)
		buttons = append(buttons, b)
	}
	if len(buttons) == 0 {
		return nil
	}
	return slack.NewActionBlock(blockLinks, buttons...)
}
