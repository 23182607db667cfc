// Package slack delivers alertgate notifications to Slack and reads the
// buttons people press on them.
//
// With a bot token and a channel, each incident is one channel message
// that alertgate keeps up to date: the trigger posts it, later
// notifications edit it in place (chat.update) to show the incident's
// current state and add a short reply to its thread, so a noisy incident
// never floods the channel. Repeats only ever go to the thread. Where
// the message lives is kept in a ThreadStore (the state store), keyed by
// incident occurrence and channel, so every replica edits the same
// message and an incident that forms again gets a new one. With
// only an incoming-webhook URL, each notification is one standalone
// message: webhooks cannot edit, thread or carry buttons.
//
// Alert text is untrusted: a label or annotation can contain Slack's
// control sequences (<!channel>, <@U…>, <https://phish|click>). Every
// piece of alert-derived text reaches Slack only through Escape, and
// links are built only from URLs that parse as http or https.
//
// Sending respects Slack's limits: Block Kit sizes are enforced while
// the blocks are built, each channel gets at most one message per
// PerChannelInterval, and Slack's errors are mapped onto the outbox's
// retry policy (notify.RetryAfter for rate limits, notify.Permanent for
// configuration errors such as an unknown channel or a revoked token).
//
// Package slacktest is a fake of the Slack Web API for tests.
package slack
