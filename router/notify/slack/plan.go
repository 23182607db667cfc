package slack

import "github.com/alertgate/alertgate/router/notify"

// Plan is what a notification does in a channel (bot-token mode), given
// whether the channel already shows the incident's message: the message
// is posted once, edited in place as the incident changes, and its
// thread gets a reply only for what a responder must know. A quiet
// notification only edits; where there is no message it does nothing,
// and an acknowledgement, a resolve or an announcement never opens a
// message in a channel that never saw the incident.
func Plan(nt *notify.Notification, shown bool) []notify.Effect {
	switch nt.Kind {
	case notify.KindChronic:
		return []notify.Effect{notify.EffectPost}
	case notify.KindAnnounce, notify.KindDigest, notify.KindEscalated:
		if !shown {
			return nil
		}
		return []notify.Effect{notify.EffectReply}
	}
	if !shown {
		switch {
		case nt.Quiet, nt.Kind == notify.KindResolve, nt.Kind == notify.KindAcknowledge:
			return nil
		}
		return []notify.Effect{notify.EffectPost}
	}
	switch {
	case nt.Kind == notify.KindTrigger:
		return []notify.Effect{notify.EffectPost}
	case nt.Quiet:
		return []notify.Effect{notify.EffectEdit}
	case nt.Kind == notify.KindRepeat:
		return []notify.Effect{notify.EffectReply}
	}
	return []notify.Effect{notify.EffectEdit, notify.EffectReply}
}

// PlanWebhook is what a notification does through an incoming webhook,
// which can neither edit nor thread: every notification that sounds is
// a message of its own, and a quiet one is not sent.
func PlanWebhook(nt *notify.Notification, _ bool) []notify.Effect {
	if nt.Quiet {
		return nil
	}
	return []notify.Effect{notify.EffectPost}
}
