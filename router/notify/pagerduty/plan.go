package pagerduty

import "github.com/alertgate/alertgate/router/notify"

// Plan is what a notification does at PagerDuty, given whether this
// occurrence of the incident is open there. The first trigger pages;
// later ones add to the open alert, which PagerDuty never pages for
// again. An acknowledgement or resolve goes only where the alert is
// open, a quiet notification never opens one, and digests and
// announcements are for people reading the chat.
func Plan(nt *notify.Notification, shown bool) []notify.Effect {
	switch nt.Kind {
	case notify.KindAnnounce, notify.KindDigest, notify.KindChronic, notify.KindEscalated:
		return nil
	case notify.KindAcknowledge:
		return when(shown, notify.EffectPageAck)
	case notify.KindResolve:
		return when(shown, notify.EffectPageResolve)
	}
	switch {
	case shown:
		return []notify.Effect{notify.EffectPageUpdate}
	case nt.Quiet:
		return nil
	}
	return []notify.Effect{notify.EffectPage}
}

func when(ok bool, e notify.Effect) []notify.Effect {
	if !ok {
		return nil
	}
	return []notify.Effect{e}
}
