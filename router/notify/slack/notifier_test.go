package slack_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/alertgate/alertgate/config"
	"github.com/alertgate/alertgate/router/notify"
	"github.com/alertgate/alertgate/router/notify/slack"
	"github.com/alertgate/alertgate/router/notify/slack/slacktest"
)

// TestNotify_IncidentLifecycleIsOneMessageWithAThread walks one incident
// through every kind and checks the channel after each step: one
// message, edited to the current state, with the changes in its thread.
func TestNotify_IncidentLifecycleIsOneMessageWithAThread(t *testing.T) {
	f := newFixture(t)
	a, b := member(1, "new"), member(2, "new")
	a2 := a
	a2.Change = ""
	steps := []struct {
		name        string
		nt          *notify.Notification
		wantEdits   int
		wantReplies int
		wantHeader  string
		wantReply   string // in the newest reply
		wantButtons []string
	}{
		{
			name:        "trigger posts the message",
			nt:          incident(notify.KindTrigger, 1, a),
			wantHeader:  "🔴 CRITICAL · FIRING — HighErrorRate on api",
			wantButtons: []string{slack.ActionAcknowledge, slack.ActionSilence, slack.ActionAnnounce, slack.ActionResolve},
		},
		{
			name:        "update edits it and replies with the new member",
			nt:          incident(notify.KindUpdate, 2, a2, b),
			wantEdits:   1,
			wantReplies: 1,
			wantHeader:  "FIRING",
			wantReply:   "1 new — now 2 firing",
			wantButtons: []string{slack.ActionAcknowledge, slack.ActionSilence, slack.ActionAnnounce, slack.ActionResolve},
		},
		{
			name:        "repeat only replies",
			nt:          incident(notify.KindRepeat, 3, a2, b),
			wantEdits:   1,
			wantReplies: 2,
			wantHeader:  "FIRING",
			wantReply:   "Still firing* after 34m: 2 firing",
			wantButtons: []string{slack.ActionAcknowledge, slack.ActionSilence, slack.ActionAnnounce, slack.ActionResolve},
		},
		{
			name: "acknowledge shows who and drops the Acknowledge button",
			nt: func() *notify.Notification {
				nt := incident(notify.KindAcknowledge, 4, a2, b)
				nt.AckedBy = "Taro Suzuki"
				return nt
			}(),
			wantEdits:   2,
			wantReplies: 3,
			wantHeader:  "🔴 CRITICAL · ACKNOWLEDGED",
			wantReply:   "Acknowledged by* Taro Suzuki",
			wantButtons: []string{slack.ActionSilence, slack.ActionAnnounce, slack.ActionResolve},
		},
		{
			name: "resolve shows it resolved without buttons",
			nt: func() *notify.Notification {
				nt := incident(notify.KindResolve, 5, resolved(a2, t0.Add(30*time.Minute)), resolved(b, t0.Add(35*time.Minute)))
				nt.AckedBy = "Taro Suzuki"
				return nt
			}(),
			wantEdits:   3,
			wantReplies: 4,
			wantHeader:  "✅ CRITICAL · RESOLVED",
			wantReply:   "Resolved* after 34m",
		},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			f.notify(t, s.nt)
			msgs := f.slack.Messages("#alerts")
			if len(msgs) != 1 {
				t.Fatalf("channel has %d messages, want 1", len(msgs))
			}
			m := msgs[0]
			if m.Edits != s.wantEdits || len(m.Replies) != s.wantReplies {
				t.Errorf("message edited %d times with %d replies, want %d and %d", m.Edits, len(m.Replies), s.wantEdits, s.wantReplies)
			}
			if h := header(t, m); !strings.Contains(h, s.wantHeader) {
				t.Errorf("header %q, want it to contain %q", h, s.wantHeader)
			}
			if s.wantReply != "" && !strings.Contains(m.Replies[len(m.Replies)-1].Text, s.wantReply) {
				t.Errorf("reply %q, want it to contain %q", m.Replies[len(m.Replies)-1].Text, s.wantReply)
			}
			if got := actionIDs(m); !slices.Equal(got, s.wantButtons) {
				t.Errorf("buttons %v, want %v", got, s.wantButtons)
			}
		})
	}
}

// header returns the text of a message's header block.
func header(t *testing.T, m slacktest.Message) string {
	t.Helper()
	var blocks []struct {
		Type string
		Text struct{ Text string }
	}
	if err := json.Unmarshal(m.Blocks, &blocks); err != nil || len(blocks) == 0 || blocks[0].Type != "header" {
		t.Fatalf("no header block in %s (%v)", m.Blocks, err)
	}
	return blocks[0].Text.Text
}

// TestNotify_NewsWithoutAThreadPostsAMessage: an update or repeat for an
// incident whose message is unknown (lost, or never posted) posts one.
func TestNotify_NewsWithoutAThreadPostsAMessage(t *testing.T) {
	for _, kind := range []notify.Kind{notify.KindUpdate, notify.KindRepeat} {
		t.Run(string(kind), func(t *testing.T) {
			f := newFixture(t)
			f.notify(t, incident(kind, 7, member(1, "")))
			msgs := f.slack.Messages("#alerts")
			if len(msgs) != 1 || len(msgs[0].Replies) != 0 || msgs[0].Blocks == nil {
				t.Fatalf("messages = %+v, want one message with blocks and no replies", msgs)
			}
			f.notify(t, incident(notify.KindRepeat, 8, member(1, "")))
			if msgs := f.slack.Messages("#alerts"); len(msgs) != 1 || len(msgs[0].Replies) != 1 {
				t.Errorf("a repeat after it did not reply in its thread: %+v", msgs)
			}
		})
	}
}

func TestNotify_IncidentThatFormsAgainGetsANewMessage(t *testing.T) {
	f := newFixture(t)
	first := func(nt *notify.Notification) *notify.Notification { nt.IncidentID = "inc-1@1"; return nt }
	again := func(nt *notify.Notification) *notify.Notification { nt.IncidentID = "inc-1@2"; return nt }
	f.notify(t, first(incident(notify.KindTrigger, 1, member(1, "new"))))
	f.notify(t, first(incident(notify.KindResolve, 2, resolved(member(1, ""), t0.Add(10*time.Minute)))))
	// The group formed again: same key, sequence numbers start over.
	f.notify(t, again(incident(notify.KindTrigger, 1, member(1, "new"))))
	f.notify(t, again(incident(notify.KindRepeat, 2, member(1, ""))))
	msgs := f.slack.Messages("#alerts")
	if len(msgs) != 2 || len(msgs[0].Replies) != 1 || len(msgs[1].Replies) != 1 {
		t.Fatalf("got %d messages, want 2, each with one reply", len(msgs))
	}
	if h := header(t, msgs[0]); !strings.Contains(h, "RESOLVED") {
		t.Errorf("the first occurrence's message shows %q, want it left resolved", h)
	}
}

func TestNotify_TriggerForAnIncidentWithAThreadPostsANewMessage(t *testing.T) {
	f := newFixture(t)
	f.notify(t, incident(notify.KindTrigger, 1, member(1, "new")))
	f.notify(t, incident(notify.KindTrigger, 2, member(1, "new")))
	f.notify(t, incident(notify.KindRepeat, 3, member(1, "")))
	msgs := f.slack.Messages("#alerts")
	if len(msgs) != 2 || len(msgs[1].Replies) != 1 {
		t.Fatalf("got %d messages, want 2 with the repeat under the second", len(msgs))
	}
}

func TestNotify_FallbackDeliverySaysWhy(t *testing.T) {
	f := newFixture(t)
	nt := incident(notify.KindTrigger, 1, member(1, "new"))
	nt.FallbackFor = "pagerduty-oncall"
	f.notify(t, nt)
	if got := f.slack.Messages("#alerts")[0].Strings(); !containsAny(got, "delivery to receiver *pagerduty-oncall* failed") {
		t.Errorf("message does not say it stands in for the failed receiver: %q", got)
	}
}

func TestNotify_StaleOrRepeatedNotificationIsSkipped(t *testing.T) {
	f := newFixture(t)
	f.notify(t, incident(notify.KindTrigger, 1, member(1, "new")))
	f.notify(t, incident(notify.KindUpdate, 3, member(1, ""), member(2, "new")))
	calls := len(f.slack.Calls())
	f.notify(t, incident(notify.KindUpdate, 2, member(1, ""))) // late
	f.notify(t, incident(notify.KindUpdate, 3, member(1, ""))) // retried after success
	if got := len(f.slack.Calls()); got != calls {
		t.Errorf("%d calls for stale notifications, want none", got-calls)
	}
}

func TestNotify_MessageThatIsGoneIsPostedAnew(t *testing.T) {
	tests := []struct {
		kind notify.Kind
		code string
	}{
		{notify.KindUpdate, "message_not_found"},
		{notify.KindAcknowledge, "cant_update_message"},
		{notify.KindResolve, "edit_window_closed"},
		{notify.KindRepeat, "thread_not_found"},
	}
	for _, tt := range tests {
		t.Run(string(tt.kind)+" "+tt.code, func(t *testing.T) {
			f := newFixture(t)
			f.notify(t, incident(notify.KindTrigger, 1, member(1, "new")))
			f.slack.FailNextWith(1, tt.code)
			f.notify(t, incident(tt.kind, 2, member(1, ""), member(2, "new")))
			f.notify(t, incident(notify.KindRepeat, 3, member(1, ""), member(2, "")))
			msgs := f.slack.Messages("#alerts")
			if len(msgs) != 2 {
				t.Fatalf("got %d messages, want the original and a new one", len(msgs))
			}
			if len(msgs[0].Replies) != 0 || len(msgs[1].Replies) != 1 {
				t.Errorf("replies %d and %d, want the next repeat in the new message's thread", len(msgs[0].Replies), len(msgs[1].Replies))
			}
		})
	}
}

func TestNotify_RejectedBlocksAreResentAsText(t *testing.T) {
	f := newFixture(t)
	f.slack.FailNextWith(1, "invalid_blocks")
	f.notify(t, incident(notify.KindTrigger, 1, member(1, "new")))
	msgs := f.slack.Messages("#alerts")
	if len(msgs) != 1 || msgs[0].Blocks != nil || !strings.Contains(msgs[0].Text, "HighErrorRate on api") {
		t.Fatalf("messages = %+v, want one text-only message", msgs)
	}
}

func TestNotify_ErrorsTellTheOutboxWhetherToRetry(t *testing.T) {
	tests := []struct {
		name          string
		inject        func(*slacktest.Server)
		receiver      string
		wantPermanent bool
		wantAfter     time.Duration // at least
	}{
		{"429 with Retry-After waits as asked", func(s *slacktest.Server) { s.FailNext(1, 429, "2") }, "team", false, 2 * time.Second},
		{"429 without Retry-After waits a second", func(s *slacktest.Server) { s.FailNext(1, 429, "") }, "team", false, time.Second},
		{"ratelimited error code waits", func(s *slacktest.Server) { s.FailNextWith(1, "ratelimited") }, "team", false, time.Second},
		{"500 is transient", func(s *slacktest.Server) { s.FailNext(1, 500, "") }, "team", false, 0},
		{"503 is transient", func(s *slacktest.Server) { s.FailNext(1, 503, "") }, "team", false, 0},
		{"internal_error is transient", func(s *slacktest.Server) { s.FailNextWith(1, "internal_error") }, "team", false, 0},
		{"unknown error code is transient", func(s *slacktest.Server) { s.FailNextWith(1, "brand_new_error") }, "team", false, 0},
		{"channel_not_found is permanent", func(s *slacktest.Server) { s.FailNextWith(1, "channel_not_found") }, "team", true, 0},
		{"not_in_channel is permanent", func(s *slacktest.Server) { s.FailNextWith(1, "not_in_channel") }, "team", true, 0},
		{"is_archived is permanent", func(s *slacktest.Server) { s.FailNextWith(1, "is_archived") }, "team", true, 0},
		{"invalid_auth is permanent", func(s *slacktest.Server) { s.FailNextWith(1, "invalid_auth") }, "team", true, 0},
		{"account_inactive is permanent", func(s *slacktest.Server) { s.FailNextWith(1, "account_inactive") }, "team", true, 0},
		{"msg_too_long is permanent", func(s *slacktest.Server) { s.FailNextWith(1, "msg_too_long") }, "team", true, 0},
		{"a channel the fake does not have is permanent", func(*slacktest.Server) {}, "missing", true, 0},
		{"an unknown receiver is permanent", func(*slacktest.Server) {}, "nobody", true, 0},
		{"webhook 404 is permanent", func(s *slacktest.Server) { s.FailNextWith(1, "channel_not_found") }, "hook", true, 0},
		{"webhook 410 is permanent", func(s *slacktest.Server) { s.FailNextWith(1, "channel_is_archived") }, "hook", true, 0},
		{"webhook 429 waits", func(s *slacktest.Server) { s.FailNext(1, 429, "3") }, "hook", false, 3 * time.Second},
		{"webhook 500 is transient", func(s *slacktest.Server) { s.FailNext(1, 500, "") }, "hook", false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			tt.inject(f.slack)
			nt := incident(notify.KindTrigger, 1, member(1, "new"))
			nt.Target.Receiver = tt.receiver
			err := f.n.Notify(context.Background(), nt)
			if err == nil {
				t.Fatal("Notify = nil, want an error")
			}
			var ne *notify.Error
			permanent, after := errors.As(err, &ne) && ne.Permanent, time.Duration(0)
			if ne != nil {
				after = ne.RetryAfter
			}
			if permanent != tt.wantPermanent || after < tt.wantAfter || (tt.wantAfter == 0 && after != 0) {
				t.Errorf("Notify = %v: permanent %v, retry after %s; want permanent %v, retry after %s", err, permanent, after, tt.wantPermanent, tt.wantAfter)
			}
		})
	}
}

func TestNotify_TransientFailureSucceedsOnRetry(t *testing.T) {
	f := newFixture(t)
	f.notify(t, incident(notify.KindTrigger, 1, member(1, "new")))
	f.slack.FailNext(1, 500, "")
	nt := incident(notify.KindUpdate, 2, member(1, ""), member(2, "new"))
	callsBefore := len(f.slack.Calls())
	if err := f.n.Notify(context.Background(), nt); err == nil {
		t.Fatal("Notify = nil, want the injected 500")
	}
	f.notify(t, nt)
	msgs := f.slack.Messages("#alerts")
	if len(msgs) != 1 || len(msgs[0].Replies) != 1 {
		t.Fatalf("after a retry: %d messages, want 1 with exactly one reply", len(msgs))
	}
	if got := len(f.slack.Calls()) - callsBefore; got != 3 {
		t.Errorf("%d calls, want 3 (failed update, update, reply)", got)
	}
}

func TestNotify_WebhookModePostsStandaloneMessages(t *testing.T) {
	f := newFixture(t)
	for _, nt := range []*notify.Notification{
		incident(notify.KindTrigger, 1, member(1, "new")),
		incident(notify.KindUpdate, 2, member(1, ""), member(2, "new")),
		incident(notify.KindResolve, 3, resolved(member(1, ""), t0.Add(20*time.Minute)), resolved(member(2, ""), t0.Add(21*time.Minute))),
	} {
		nt.Target.Receiver = "hook"
		f.notify(t, nt)
	}
	msgs := f.slack.WebhookMessages()
	if len(msgs) != 3 {
		t.Fatalf("webhook got %d messages, want 3", len(msgs))
	}
	for i, m := range msgs {
		if len(m.Buttons()) != 0 || len(m.Replies) != 0 || m.ThreadTS != "" || m.Text == "" {
			t.Errorf("message %d has buttons %v, thread %q, text %q; want a plain standalone message", i, m.Buttons(), m.ThreadTS, m.Text)
		}
	}
	if !containsAny(msgs[1].Strings(), "1 new") || !containsAny(msgs[2].Strings(), "RESOLVED") {
		t.Errorf("the update and resolve messages do not say what happened: %q / %q", msgs[1].Strings(), msgs[2].Strings())
	}
	if n := len(f.slack.Messages("#alerts")); n != 0 {
		t.Errorf("webhook mode posted %d messages through the Web API", n)
	}
}

func TestNotify_SecretsNeverReachErrorsOrLogs(t *testing.T) {
	f := newFixture(t)
	var errs []string
	for i, inject := range []func(){
		func() { f.slack.FailNextWith(1, "invalid_blocks") },
		func() { f.slack.FailNext(1, 500, "") },
		func() { f.slack.FailNextWith(1, "invalid_auth") },
	} {
		for _, recv := range []string{"team", "hook"} {
			inject()
			nt := incident(notify.KindTrigger, 1, member(1, "new"))
			nt.Incident += "-" + recv + strconv.Itoa(i)
			nt.Target.Receiver = recv
			if err := f.n.Notify(context.Background(), nt); err != nil {
				errs = append(errs, err.Error())
			}
		}
	}
	// A transport error names the URL it failed to reach.
	dead := slack.New(slack.Config{
		Channel: func(string) (string, config.Secret, bool) {
			return "", "http://127.0.0.1:1/services/T/B/hooksecret", true
		},
	})
	if err := dead.Notify(context.Background(), incident(notify.KindTrigger, 1, member(1, "new"))); err != nil {
		errs = append(errs, err.Error())
	}
	out := strings.Join(errs, "\n") + f.logs.String()
	for _, secret := range []string{token, f.slack.WebhookURL(), "fakewebhooksecret", "hooksecret"} {
		if strings.Contains(out, secret) {
			t.Errorf("%q leaked into errors or logs:\n%s", secret, out)
		}
	}
	if len(errs) < 4 {
		t.Errorf("only %d errors, want the failures to have been returned: %q", len(errs), errs)
	}
}

func TestNotify_PacesEachChannel(t *testing.T) {
	t.Run("a far slot is handed back as RetryAfter", func(t *testing.T) {
		sl := newSlack(t)
		synctest.Test(t, func(t *testing.T) {
			f := newFixtureOn(t, sl, func(c *slack.Config) { c.PerChannelInterval = time.Minute })
			f.notify(t, incident(notify.KindTrigger, 1, member(1, "new")))
			nt := incident(notify.KindTrigger, 1, member(2, "new"))
			nt.Incident = "inc-2"
			err := f.n.Notify(context.Background(), nt)
			var ne *notify.Error
			if !errors.As(err, &ne) || ne.RetryAfter != time.Minute || ne.Permanent || !errors.Is(err, notify.ErrPaced) {
				t.Fatalf("second message to the channel: %v, want RetryAfter 1m for notify.ErrPaced", err)
			}
			nt.Target.Receiver = "ops"
			f.notify(t, nt) // another channel has its own pace
			if got := len(f.slack.Calls()); got != 2 {
				t.Errorf("%d calls, want 2: the paced message must not be sent", got)
			}
		})
	})
	t.Run("a near slot is waited for", func(t *testing.T) {
		sl := newSlack(t)
		synctest.Test(t, func(t *testing.T) {
			f := newFixtureOn(t, sl, func(c *slack.Config) { c.PerChannelInterval = 200 * time.Millisecond })
			start := time.Now()
			for i := range 3 {
				f.notify(t, incident(notify.KindRepeat, int64(i+1), member(1, "")))
				if got, want := time.Since(start), time.Duration(i)*200*time.Millisecond; got != want {
					t.Errorf("message %d sent after %s, want exactly %s at one per 200ms", i+1, got, want)
				}
			}
			if got := len(f.slack.Calls()); got != 3 {
				t.Errorf("%d calls, want 3", got)
			}
		})
	})
}

// TestNotify_AcknowledgeOrResolveNeverOpensAMessage: a channel that never
// saw the incident (its route was muted when it fired) is not told that
// somebody took it, that it was escalated, or that it ended.
func TestNotify_AcknowledgeOrResolveNeverOpensAMessage(t *testing.T) {
	for _, kind := range []notify.Kind{notify.KindResolve, notify.KindAcknowledge, notify.KindEscalated, notify.KindDigest} {
		t.Run(string(kind), func(t *testing.T) {
			f := newFixture(t)
			f.notify(t, incident(kind, 7, member(1, "")))
			if msgs := f.slack.Messages("#alerts"); len(msgs) != 0 {
				t.Fatalf("messages = %+v, want none", msgs)
			}
		})
	}
}

// TestNotify_QuietNotificationOnlyEdits: churn edits the message in place
// and adds nothing to its thread; where there is no message it does
// nothing at all.
func TestNotify_QuietNotificationOnlyEdits(t *testing.T) {
	f := newFixture(t)
	quiet := incident(notify.KindUpdate, 1, member(1, "new"))
	quiet.Quiet = true
	f.notify(t, quiet)
	if msgs := f.slack.Messages("#alerts"); len(msgs) != 0 {
		t.Fatalf("a quiet update without a message posted %+v", msgs)
	}
	f.notify(t, incident(notify.KindTrigger, 2, member(1, "new")))
	for i, kind := range []notify.Kind{notify.KindUpdate, notify.KindRepeat, notify.KindResolve} {
		nt := incident(kind, int64(3+i), member(1, ""), member(2, "new"))
		nt.Quiet = true
		f.notify(t, nt)
	}
	msgs := f.slack.Messages("#alerts")
	if len(msgs) != 1 || msgs[0].Edits != 3 || len(msgs[0].Replies) != 0 {
		t.Fatalf("got %d messages (%+v), want one edited 3 times without replies", len(msgs), msgs)
	}
}

// TestNotify_DigestAndWhyLeadTheReply: a digest is a reply with its line;
// a loud update says what earned it its sound.
func TestNotify_DigestAndWhyLeadTheReply(t *testing.T) {
	f := newFixture(t)
	f.notify(t, incident(notify.KindTrigger, 1, member(1, "new")))
	digest := incident(notify.KindDigest, 0, member(1, ""), member(2, ""))
	digest.Why = "12 joined, 9 resolved since 14:00"
	f.notify(t, digest)
	raised := incident(notify.KindUpdate, 2, member(1, ""), member(2, "new"))
	raised.Why = "severity raised to critical"
	f.notify(t, raised)
	msgs := f.slack.Messages("#alerts")
	if len(msgs) != 1 || len(msgs[0].Replies) != 2 {
		t.Fatalf("got %+v, want one message with two replies", msgs)
	}
	if r := msgs[0].Replies[0].Text; !strings.Contains(r, "12 joined, 9 resolved since 14:00") || !strings.Contains(r, "2 firing") {
		t.Errorf("digest reply %q", r)
	}
	if r := msgs[0].Replies[1].Text; !strings.Contains(r, "Severity raised to critical") {
		t.Errorf("update reply %q, want it to say why it sounds", r)
	}
}

// TestNotify_ChronicDigestIsOneMessage lists a channel's chronic
// incidents in one post, with their owners and runbooks, each ID linked
// to its console page when there is one.
func TestNotify_ChronicDigestIsOneMessage(t *testing.T) {
	f := newFixture(t)
	nt := &notify.Notification{
		ID: "@chronic/team/2026-03-10/slack", Incident: "@chronic/team", IncidentID: "@chronic/team/2026-03-10", Kind: notify.KindChronic,
		Target: notify.Target{Type: "slack", Receiver: "team"}, Title: "2 chronic incidents", CreatedAt: t0,
		Chronic: []notify.ChronicIncident{
			{IncidentID: "g1-abc", Title: "Processes experience elevated CPU throttling. (+74 more)", Alert: "CPUThrottlingHigh", Severity: "info", Firing: 75, Members: 75, Since: t0.Add(-30 * time.Hour), Owner: "platform", Runbook: "https://runbooks.example/cpu", Why: "firing for 1d6h", URL: "https://alertgate.example/incidents/g1-abc"},
			{IncidentID: "g2-def", Title: "Cluster has overcommitted CPU resource requests.", Alert: "KubeCPUOvercommit", Severity: "warning", Firing: 1, Members: 1, Since: t0.Add(-80 * time.Hour), Why: "firing for 3d8h"},
		},
	}
	f.notify(t, nt)
	msgs := f.slack.Messages("#alerts")
	if len(msgs) != 1 {
		t.Fatalf("got %d messages, want 1", len(msgs))
	}
	for _, want := range []string{"CPUThrottlingHigh", "KubeCPUOvercommit", "platform", "https://runbooks.example/cpu", "75 firing", "https://alertgate.example/incidents/g1-abc|g1-abc", "`g2-def`"} {
		if !strings.Contains(string(msgs[0].Blocks)+msgs[0].Text, want) {
			t.Errorf("chronic digest does not mention %q: %s", want, msgs[0].Blocks)
		}
	}
}
