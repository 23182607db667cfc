package e2e

import (
	"bytes"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	goslack "github.com/slack-go/slack"

	"github.com/alertgate/alertgate/router/notify/slack/slacktest"
	"github.com/alertgate/alertgate/router/source/cloudwatch/snstest"
)

// request is one HTTP request a negative test sends, and the statuses
// it may be answered with.
type request struct {
	name   string
	method string
	path   string
	token  string
	header http.Header
	body   []byte
	want   []int
}

func TestNegative_UnsignedOrForgedRequestsAreRejectedWithoutSideEffects(t *testing.T) {
	t.Parallel()
	w := newWorld(t).withSNS()
	g := w.start("alertgate", setup{})
	// A real incident that forged requests could act on.
	g.ingest("alertmanager", amToken, amBody("firing", g.now(), labels("alertname", "E2EReal", "severity", "critical")), nil)
	waitFor(t, "the real incident delivered", func() (bool, string) {
		return len(w.pd.Events()) == 1 && len(w.slack.Messages("#oncall")) == 1, "not yet"
	})
	msg := w.slack.Messages("#oncall")[0]
	incident := buttonValue(msg, "alertgate_ack")
	channel := w.slack.ChannelID("#oncall")

	forgedAlert := amBody("firing", g.now(), labels("alertname", "E2EForged", "severity", "critical"))
	forgedIssue := nrIssue("e2e-forged", "Forged condition", "CREATED", g.now(), g.now())
	forgedSilence := []byte(`{"matchers": ["alertname=~\".+\""], "duration": "2h", "createdBy": "mallory"}`)
	var reqs []request
	for _, tok := range []struct{ name, token string }{{"no token", ""}, {"wrong token", "not-the-token"}, {"the admin token", adminToken}} {
		reqs = append(reqs,
			request{"alertmanager with " + tok.name, http.MethodPost, "/api/v1/alerts/alertmanager", tok.token, nil, forgedAlert, []int{401}},
			request{"newrelic with " + tok.name, http.MethodPost, "/api/v1/alerts/newrelic", tok.token, nil, forgedIssue, []int{401}})
	}
	reqs = append(reqs,
		request{"alertmanager with New Relic's token", http.MethodPost, "/api/v1/alerts/alertmanager", nrToken, nil, forgedAlert, []int{401}},
		request{"alertmanager with Basic auth", http.MethodPost, "/api/v1/alerts/alertmanager", "", http.Header{"Authorization": {"Basic " + amToken}}, forgedAlert, []int{401}},
		request{"newrelic with Alertmanager's token", http.MethodPost, "/api/v1/alerts/newrelic", amToken, nil, forgedIssue, []int{401}})
	reqs = append(reqs, forgedSNS(t, w.sns)...)
	admin := []request{
		{"list silences", http.MethodGet, "/api/v1/silences", "", nil, nil, nil},
		{"create a silence", http.MethodPost, "/api/v1/silences", "", nil, forgedSilence, nil},
		{"expire a silence", http.MethodDelete, "/api/v1/silences/0123456789abcdef", "", nil, nil, nil},
		{"list incidents", http.MethodGet, "/api/v1/incidents", "", nil, nil, nil},
		{"read an incident", http.MethodGet, "/api/v1/incidents/" + incident, "", nil, nil, nil},
		{"a postmortem", http.MethodGet, "/api/v1/incidents/" + incident + "/postmortem", "", nil, nil, nil},
		{"an announcement", http.MethodGet, "/api/v1/incidents/" + incident + "/announcement", "", nil, nil, nil},
		{"the report", http.MethodGet, "/api/v1/report", "", nil, nil, nil},
		{"dead letters", http.MethodGet, "/api/v1/deadletters", "", nil, nil, nil},
		{"a reload", http.MethodPost, "/-/reload", "", nil, nil, nil},
		{"the test clock", http.MethodPost, "/-/testing/clock", "", nil, []byte(`{"advance": "24h"}`), nil},
	}
	for _, r := range admin {
		for _, tok := range []struct{ name, token string }{{"no token", ""}, {"wrong token", "not-the-token"}, {"Alertmanager's token", amToken}} {
			r := r
			r.name, r.token, r.want = r.name+" with "+tok.name, tok.token, []int{401}
			reqs = append(reqs, r)
		}
	}
	for _, c := range []struct {
		name   string
		secret string
		at     time.Time
		action string
	}{
		{"Slack ack signed with another secret", "not-the-secret", time.Now(), "alertgate_ack"},
		{"Slack resolve signed with another secret", "not-the-secret", time.Now(), "alertgate_resolve"},
		{"Slack silence signed with another secret", "not-the-secret", time.Now(), "alertgate_silence_1h"},
		{"Slack ack replayed ten minutes later", slackSecret, time.Now().Add(-10 * time.Minute), "alertgate_ack"},
	} {
		cb := slacktest.ButtonClick(c.action, incident, goslack.User{ID: "U0MALLORY", Name: "mallory"}, channel, msg.TS)
		h, b := slacktest.SignedInteraction(c.secret, cb, c.at)
		reqs = append(reqs, request{c.name, http.MethodPost, "/api/v1/slack/interactions", "", h, b, []int{401}})
	}
	_, unsigned := slacktest.SignedInteraction(slackSecret, slacktest.ButtonClick("alertgate_ack", incident, goslack.User{ID: "U0MALLORY"}, channel, msg.TS), time.Now())
	reqs = append(reqs, request{"Slack ack without a signature", http.MethodPost, "/api/v1/slack/interactions", "",
		http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}, unsigned, []int{401}})

	for _, r := range reqs {
		code, body := g.mustDo(r.method, r.path, r.token, r.body, r.header)
		if !slices.Contains(r.want, code) {
			t.Errorf("%s: %d %s, want %v", r.name, code, strings.TrimSpace(string(body)), r.want)
		}
	}

	w.settle(g)
	if ev := w.pd.Events(); len(ev) != 1 || ev[0].Action != "trigger" {
		t.Errorf("PagerDuty events %v, want only the real incident's trigger", actions(ev))
	}
	if m := w.slack.Messages("#oncall"); len(m) != 1 || m[0].Edits != 0 || len(m[0].Replies) != 0 {
		t.Errorf("#oncall %+v, want the real incident's message untouched", m)
	}
	var sils []any
	g.admin(http.MethodGet, "/api/v1/silences", nil, http.StatusOK, &sils)
	if len(sils) != 0 {
		t.Errorf("silences %v, want none", sils)
	}
	if list := g.incidents(); len(list) != 1 || list[0].AckedBy != "" || list[0].Status != "open" {
		t.Errorf("incidents %+v, want the real one, open and unacknowledged", list)
	}
	for _, src := range []string{"newrelic", "cloudwatch"} {
		if n := g.metric("alertgate_alerts_received_total", "source", src); n != 0 {
			t.Errorf("%v %s alerts received, want none", n, src)
		}
	}
	if n := g.metric("alertgate_config_reloads_total", "result", "success"); n != 0 {
		t.Errorf("%v reloads, want none", n)
	}
	g.clock(map[string]string{}) // reads the clock without moving it
	if off := time.Until(g.now()); off > time.Minute || off < -time.Minute {
		t.Errorf("alertgate's clock is %s off, want it untouched", off)
	}
}

// forgedSNS returns SNS requests alertgate must refuse: unsigned,
// tampered with after signing, signed with another key, and validly
// signed but from a topic it does not accept.
func forgedSNS(t *testing.T, sns *snstest.Signer) []request {
	alarm := func() *snstest.Message {
		return snstest.AlarmNotification(topicARN, snstest.Alarm{Name: "e2e-forged-alarm", Description: "severity: critical", Time: time.Now()})
	}
	post := func(name string, m *snstest.Message, body []byte) request {
		return request{name, http.MethodPost, "/api/v1/alerts/cloudwatch", "", m.Header(), body, []int{403}}
	}
	unsigned := alarm()
	unsigned.SigningCertURL = sns.CertURL("ap-northeast-1")
	tampered := alarm()
	sns.Sign(tampered, "2")
	tampered.Message = strings.Replace(tampered.Message, `"ALARM"`, `"OK"`, 1)
	otherKey := alarm()
	snstest.New(t).Sign(otherKey, "2") // another signer's key, the same certificate URL
	otherTopic := snstest.AlarmNotification("arn:aws:sns:ap-northeast-1:999999999999:someone-else", snstest.Alarm{Name: "e2e-forged-alarm", Description: "severity: critical"})
	sns.Sign(otherTopic, "2")
	return []request{
		post("SNS notification without a signature", unsigned, unsigned.Body()),
		post("SNS notification changed after signing", tampered, tampered.Body()),
		post("SNS notification signed with another key", otherKey, otherKey.Body()),
		post("SNS notification from a topic not allowed", otherTopic, otherTopic.Body()),
	}
}

func TestNegative_SNSSigningCertURLOutsideAWSIsNeverFetched(t *testing.T) {
	t.Parallel()
	w := newWorld(t).withSNS()
	g := w.start("alertgate", setup{})
	for _, u := range []string{
		"https://evil.example/SimpleNotificationService-test.pem",
		"https://sns.ap-northeast-1.amazonaws.com.evil.example/SimpleNotificationService-test.pem",
		"https://sns.ap-northeast-1.amazonaws.com@evil.example/SimpleNotificationService-test.pem",
		"https://evil.example#@sns.ap-northeast-1.amazonaws.com/SimpleNotificationService-test.pem",
		"https://evil.example/?sns.ap-northeast-1.amazonaws.com/SimpleNotificationService-test.pem",
		"https://sns.ap-northeast-1.amazonaws.com:8443/SimpleNotificationService-test.pem",
		"https://SNS.ap-northeast-1.amazonaws.com/SimpleNotificationService-test.pem",
		"https://sns.ap-northeast-1.amazonaws.com%2eevil.example/SimpleNotificationService-test.pem",
		"https://sns.ap-northeast-1.amazonaws.com/SimpleNotificationService-test.pem?u=https://evil.example/",
		"https://sns.ap-northeast-1.amazonaws.com/../evil.txt",
		"http://sns.ap-northeast-1.amazonaws.com/SimpleNotificationService-test.pem",
		"https://127.0.0.1/SimpleNotificationService-test.pem",
		"https://[::1]/SimpleNotificationService-test.pem",
		"file:///etc/passwd",
		"//evil.example/SimpleNotificationService-test.pem",
	} {
		m := snstest.AlarmNotification(topicARN, snstest.Alarm{Name: "e2e-cert-url", Description: "severity: critical", Time: time.Now()})
		m.SigningCertURL = u
		w.sns.Sign(m, "2")
		code, body := g.mustDo(http.MethodPost, "/api/v1/alerts/cloudwatch", "", m.Body(), m.Header())
		if code != http.StatusForbidden && code != http.StatusBadRequest {
			t.Errorf("SigningCertURL %s: %d %s, want 403", u, code, body)
		}
	}
	if got := w.sns.Served(); len(got) != 0 {
		t.Fatalf("alertgate fetched %v for certificate URLs outside AWS", got)
	}

	// A genuine certificate does not make a SubscribeURL elsewhere
	// visitable.
	confirm := snstest.SubscriptionConfirmation(topicARN)
	confirm.SubscribeURL = "https://evil.example/?Action=ConfirmSubscription&TopicArn=" + topicARN + "&Token=" + confirm.Token
	code, body := g.mustDo(http.MethodPost, "/api/v1/alerts/cloudwatch", "", w.sns.SignedBody(confirm, "2"), confirm.Header())
	if code != http.StatusForbidden {
		t.Errorf("SubscribeURL outside AWS: %d %s, want 403", code, body)
	}
	for _, u := range w.sns.Served() {
		if u != w.sns.CertURL("ap-northeast-1") {
			t.Errorf("alertgate fetched %s", u)
		}
	}
	w.settle(g)
	if n := len(w.pd.Events()); n != 0 {
		t.Errorf("%d PagerDuty events, want none", n)
	}
}

func TestNegative_OversizedAndDeeplyNestedBodiesAreRejectedQuickly(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	g := w.start("alertgate", setup{})
	// server.max_body_bytes is 1 MiB by default.
	huge := []byte(`{"version":"4","status":"firing","alerts":[{"labels":{"alertname":"` + strings.Repeat("x", 4<<20) + `"}}]}`)
	const depth = 100_000
	nested := func(open, close string) []byte {
		return []byte(`{"version":"4","alerts":` + strings.Repeat(open, depth) + strings.Repeat(close, depth) + `}`)
	}
	endpoints := []request{
		{"alertmanager", http.MethodPost, "/api/v1/alerts/alertmanager", amToken, nil, nil, nil},
		{"newrelic", http.MethodPost, "/api/v1/alerts/newrelic", nrToken, nil, nil, nil},
		{"cloudwatch", http.MethodPost, "/api/v1/alerts/cloudwatch", "", http.Header{"X-Amz-Sns-Message-Type": {"Notification"}}, nil, nil},
		{"silences", http.MethodPost, "/api/v1/silences", adminToken, nil, nil, nil},
		{"slack interactions", http.MethodPost, "/api/v1/slack/interactions", "", nil, nil, nil},
	}
	for _, ep := range endpoints {
		for _, c := range []struct {
			name string
			body []byte
			want []int
		}{
			{"a 4 MiB body", huge, []int{http.StatusRequestEntityTooLarge}},
			{"arrays nested 100000 deep", nested("[", "]"), []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden}},
			{"objects nested 100000 deep", nested(`{"a":`, "}"), []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden}},
		} {
			code, body := g.mustDo(ep.method, ep.path, ep.token, c.body, ep.header)
			if !slices.Contains(c.want, code) {
				t.Errorf("%s to %s: %d %s, want %v", c.name, ep.name, code, clip(body), c.want)
			}
		}
	}
	if code, body := g.mustDo(http.MethodGet, "/-/healthy", "", nil, nil); code != http.StatusOK {
		t.Fatalf("after the bodies: /-/healthy %d %s", code, body)
	}
	w.settle(g)
	if n := len(w.pd.Events()); n != 0 {
		t.Errorf("%d PagerDuty events, want none", n)
	}
}

func clip(b []byte) string {
	b = bytes.TrimSpace(b)
	if len(b) > 200 {
		return fmt.Sprintf("%s...", b[:200])
	}
	return string(b)
}
