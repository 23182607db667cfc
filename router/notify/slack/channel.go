package slack

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/slack-go/slack"

	"github.com/alertgate/alertgate/incident"
	"github.com/alertgate/alertgate/router/notify"
)

// threadKey is the ThreadStore target of a channel. It is keyed by
// channel, not receiver, so receivers that share a channel share the
// incident's message instead of posting it twice. The incident side of
// the key is the occurrence (notify.Notification.Occurrence): a group
// that resolved and formed again is a new incident with a new message,
// and its sequence numbers start over.
func threadKey(channel string) string { return "slack:" + channel }

// ref is where a message lives: the channel ID Slack answered with (which
// chat.update requires, where a name would do for posting) and its ts.
type ref struct{ channel, ts string }

func (r ref) String() string { return r.channel + "/" + r.ts }

func parseRef(s string) (ref, bool) {
	ch, ts, ok := strings.Cut(s, "/")
	return ref{ch, ts}, ok && ch != "" && ts != ""
}

// notifyChannel delivers nt in bot-token mode: the incident is one
// message, edited as it changes, with the changes as replies in its
// thread. Every path posts exactly one message (the incident's or a
// reply), so each notification takes one pacing slot.
func (n *Notifier) notifyChannel(ctx context.Context, channel string, nt *notify.Notification) error {
	log := n.logger.With("incident", nt.Incident, "occurrence", nt.Occurrence(), "target", nt.Target.String(), "channel", channel, "kind", string(nt.Kind))
	th, found, err := n.cfg.Threads.Thread(ctx, nt.Occurrence(), threadKey(channel))
	if err != nil {
		return fmt.Errorf("slack %s: read thread of incident %s: %w", channel, nt.Occurrence(), err)
	}
	r, ok := parseRef(th.Ref)
	found = found && ok
	if nt.Kind == notify.KindAnnounce && !found {
		return notify.Permanent(fmt.Errorf("slack %s: incident %s has no message to announce under", channel, nt.Occurrence()))
	}
	if found && nt.Seq != 0 && nt.Seq <= th.Seq {
		// Already applied (a retry after success) or superseded by a
		// newer notification: applying it would show an older state.
		log.Debug("slack notification skipped as stale", "seq", nt.Seq, "applied", th.Seq)
		return nil
	}
	if err := n.pace.Wait(ctx, channel); err != nil {
		return err
	}
	d := delivery{n: n, log: log, channel: channel, nt: nt, seq: max(th.Seq, nt.Seq)}
	switch {
	case !found || nt.Kind == notify.KindTrigger:
		return d.post(ctx)
	case nt.Kind == notify.KindRepeat, nt.Kind == notify.KindAnnounce:
		return d.reply(ctx, r)
	}
	return d.edit(ctx, r)
}

// delivery is one notification on its way to one channel.
type delivery struct {
	n       *Notifier
	log     *slog.Logger
	channel string
	nt      *notify.Notification
	seq     int64 // the sequence number to record with the thread
}

// post posts the incident's message and makes it the incident's thread.
func (d *delivery) post(ctx context.Context) error {
	opts := d.n.messageOptions(d.nt)
	ch, ts, err := d.n.api.PostMessageContext(ctx, d.channel, opts...)
	if blocksRejected(err) {
		d.log.Warn("slack rejected the blocks; posting text only", "err", errText(err))
		ch, ts, err = d.n.api.PostMessageContext(ctx, d.channel, d.n.textOnlyOptions(d.nt)...)
	}
	if err != nil {
		return classify("chat.postMessage to "+d.channel, err)
	}
	d.save(ctx, ref{ch, ts})
	return nil
}

// edit brings the incident's message up to date and replies with what
// changed. A message that is gone (deleted, or too old to edit) is
// replaced by a new one, which shows everything the reply would have.
func (d *delivery) edit(ctx context.Context, r ref) error {
	_, _, _, err := d.n.api.UpdateMessageContext(ctx, r.channel, r.ts, d.n.messageOptions(d.nt)...)
	if blocksRejected(err) {
		d.log.Warn("slack rejected the blocks; updating to text only", "err", errText(err))
		_, _, _, err = d.n.api.UpdateMessageContext(ctx, r.channel, r.ts, d.n.textOnlyOptions(d.nt)...)
	}
	if messageGone(err) {
		d.log.Warn("slack message to update is gone; posting a new one", "err", errText(err), "ref", r.String())
		return d.post(ctx)
	}
	if err != nil {
		return classify("chat.update of "+r.String()+" in "+d.channel, err)
	}
	if d.nt.Silent {
		d.save(ctx, r)
		return nil
	}
	return d.reply(ctx, r)
}

// reply adds the notification's reply to the incident's thread. If the
// thread is gone the incident gets a new message instead.
func (d *delivery) reply(ctx context.Context, r ref) error {
	text := replyText(d.nt)
	if text == "" {
		d.save(ctx, r)
		return nil
	}
	_, _, err := d.n.api.PostMessageContext(ctx, r.channel, append(d.n.commonOptions(), slack.MsgOptionText(text, false), slack.MsgOptionTS(r.ts))...)
	if messageGone(err) {
		d.log.Warn("slack thread is gone; posting a new message", "err", errText(err), "ref", r.String())
		return d.post(ctx)
	}
	if err != nil {
		return classify("chat.postMessage reply to "+r.String()+" in "+d.channel, err)
	}
	d.save(ctx, r)
	return nil
}

// save records the incident's message. The message is already in Slack,
// so a failure here is logged, not returned: a retry would post it twice,
// while a lost thread only means the next notification posts anew.
func (d *delivery) save(ctx context.Context, r ref) {
	th := incident.Thread{Ref: r.String(), Seq: d.seq}
	if err := d.n.cfg.Threads.SetThread(ctx, d.n.cfg.Now(), d.nt.Occurrence(), threadKey(d.channel), th); err != nil {
		d.log.Warn("slack message sent but its thread was not saved; the next notification will post a new message", "err", err)
	}
}

// commonOptions apply to every message: no automatic linking or
// unfurling of the text (alert text is not ours to expand), and no
// link_names, which would turn a plain "@here" into a mention.
func (n *Notifier) commonOptions() []slack.MsgOption {
	return []slack.MsgOption{
		slack.MsgOptionParse(false),
		slack.MsgOptionLinkNames(false),
		slack.MsgOptionDisableLinkUnfurl(),
		slack.MsgOptionDisableMediaUnfurl(),
	}
}

// messageOptions are the incident's message: blocks with buttons, and
// the fallback text.
func (n *Notifier) messageOptions(nt *notify.Notification) []slack.MsgOption {
	return append(n.commonOptions(),
		slack.MsgOptionText(fallbackText(nt), false),
		slack.MsgOptionBlocks(messageBlocks(nt, true, "")...),
	)
}

// textOnlyOptions are the incident's message without blocks, for when
// Slack refuses the blocks: a plain alert is better than none. The empty
// block list also clears the blocks of a message being edited.
func (n *Notifier) textOnlyOptions(nt *notify.Notification) []slack.MsgOption {
	return append(n.commonOptions(),
		slack.MsgOptionText(fallbackText(nt), false),
		slack.MsgOptionBlocks(),
	)
}
