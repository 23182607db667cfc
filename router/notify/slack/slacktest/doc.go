// Package slacktest is a fake of the parts of Slack that alertgate
// talks to, for tests: the Web API methods chat.postMessage and
// chat.update, an incoming webhook, and signed interaction requests
// (button clicks) in the other direction.
//
// The fake validates requests the way Slack does, and is stricter where
// Slack is lenient, so that a test fails where production would go wrong
// quietly: it checks the bot token (not_authed, invalid_auth), the
// channel (channel_not_found), that a message has text or blocks
// (no_text), Block Kit's documented limits (invalid_blocks), and that a
// thread_ts or an updated ts names a message that exists
// (thread_not_found, message_not_found). It records every call and keeps
// each channel's messages as a client would show them: top-level
// messages with their current content after edits, and their replies.
// Failures are injected with FailNext (an HTTP status such as 429 with
// Retry-After, or 500) and FailNextWith (a Slack error code).
package slacktest
