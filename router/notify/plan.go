package notify

// PlanMessage is the plan of a target that can only send messages of its
// own (an email, a Teams card, a webhook call): it can neither edit nor
// thread, so every notification that sounds is one message, a quiet one
// is not sent, and one about an incident the target never showed is sent
// only if it opens it. kinds, if given, are the only kinds it sends.
func PlanMessage(n *Notification, shown bool, kinds ...Kind) []Effect {
	if n.Quiet || !sendsKind(n.Kind, kinds) {
		return nil
	}
	switch n.Kind {
	case KindTrigger, KindChronic:
	default:
		if !shown {
			return nil
		}
	}
	return []Effect{EffectPost}
}

func sendsKind(k Kind, kinds []Kind) bool {
	if len(kinds) == 0 {
		return true
	}
	for _, want := range kinds {
		if k == want {
			return true
		}
	}
	return false
}
