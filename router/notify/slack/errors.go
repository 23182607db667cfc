package slack

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/router/notify"
)

// defaultRetryAfter is the wait for a rate limit that names none.
const defaultRetryAfter = time.Second

// errorCode returns Slack's error code in err ("channel_not_found"), or
// "" if err is not an error response from the Web API.
func errorCode(err error) string {
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		return se.Err
	}
	return ""
}

// classify wraps err from the Slack operation op (already described with
// its channel) and tells the outbox worker whether and when to retry.
func classify(op string, err error) error {
	wrapped := fmt.Errorf("slack %s: %w%s", op, err, details(err))
	var rl *slack.RateLimitedError
	if errors.As(err, &rl) {
		return notify.RetryAfter(wrapped, max(rl.RetryAfter, defaultRetryAfter))
	}
	var sc slack.StatusCodeError
	if errors.As(err, &sc) {
		return classifyStatus(wrapped, sc.Code)
	}
	if code := errorCode(err); code != "" {
		return classifyCode(wrapped, code)
	}
	return wrapped // network trouble, a timeout: retried with backoff
}

// classifyStatus handles an HTTP error status (Slack sends error codes
// with 200; a status is from the load balancers, or from an incoming
// webhook, which answers with status and a plain-text code).
func classifyStatus(err error, status int) error {
	switch {
	case status == http.StatusTooManyRequests:
		return notify.RetryAfter(err, defaultRetryAfter)
	case status >= 500, status == http.StatusRequestTimeout:
		return err
	case status >= 400:
		// 400 invalid_payload, 403 action_prohibited, 404
		// channel_not_found or no_service, 410 channel_is_archived.
		return notify.Permanent(err)
	}
	return err
}

// classifyCode handles Slack's error codes. Codes for a configuration
// Slack will not accept (no such channel, bot not invited, revoked
// token) and for a payload it will never accept are permanent; Slack's
// own trouble and unknown codes are retried.
func classifyCode(err error, code string) error {
	switch code {
	case "ratelimited", "rate_limited":
		return notify.RetryAfter(err, defaultRetryAfter)
	case "internal_error", "fatal_error", "service_unavailable", "request_timeout", "team_added_to_org":
		return err
	}
	if permanentCode(code) {
		return notify.Permanent(err)
	}
	return err
}

func permanentCode(code string) bool {
	switch code {
	// The channel or the token is wrong: only a person can fix it.
	case "channel_not_found", "not_in_channel", "is_archived", "channel_is_archived",
		"invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired",
		"no_permission", "missing_scope", "access_denied", "not_allowed_token_type",
		"ekm_access_denied", "team_access_not_granted", "org_login_required":
		return true
	// The message is wrong: resending it cannot help.
	case "invalid_blocks", "invalid_blocks_format", "msg_too_long", "msg_blocks_too_long",
		"no_text", "too_many_attachments", "invalid_arguments", "invalid_form_data",
		"invalid_json", "json_not_object", "invalid_charset", "invalid_post_type",
		"missing_post_type", "invalid_attachments", "invalid_metadata_format":
		return true
	// The message to edit or reply to is gone or not ours.
	case "message_not_found", "thread_not_found", "cant_update_message", "edit_window_closed":
		return true
	}
	return strings.HasPrefix(code, "restricted_action")
}

// details returns Slack's explanation of an error, when it gave one
// (which block is invalid and why), as a suffix for the error message.
func details(err error) string {
	var se slack.SlackErrorResponse
	if !errors.As(err, &se) {
		return ""
	}
	msgs := se.ResponseMetadata.Messages
	if len(msgs) == 0 {
		for _, e := range se.Errors {
			if e.Message != nil {
				msgs = append(msgs, *e.Message)
			}
		}
	}
	if len(msgs) == 0 {
		return ""
	}
	return " (" + alert.Truncate(strings.Join(msgs, "; "), 500) + ")"
}

// errText is err's message with Slack's explanation, for logs.
func errText(err error) string { return err.Error() + details(err) }

// messageGone reports whether err says the message to edit or reply to
// no longer exists or can no longer be edited, so that a new message must
// be posted instead.
func messageGone(err error) bool {
	switch errorCode(err) {
	case "message_not_found", "thread_not_found", "cant_update_message", "edit_window_closed":
		return true
	}
	return false
}

// blocksRejected reports whether Slack refused the blocks themselves,
// so that the message can be resent as text only.
func blocksRejected(err error) bool {
	switch errorCode(err) {
	case "invalid_blocks", "invalid_blocks_format", "msg_blocks_too_long":
		return true
	}
	return false
}
