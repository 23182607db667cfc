package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	goslack "github.com/slack-go/slack"

	"github.com/alertgate/alertgate/router/notify/pagerduty/pdtest"
	"github.com/alertgate/alertgate/router/notify/slack/slacktest"
)

func TestSilence_HoldsAnAlertBackUntilItIsExpired(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	g := w.start("alertgate", setup{})
	var sil struct {
		ID     string `json:"id"`
		Status string `json:"status"`
	}
	g.admin(http.MethodPost, "/api/v1/silences",
		[]byte(`{"matchers": ["alertname=\"E2ESilenced\""], "duration": "2h", "createdBy": "e2e", "comment": "maintenance"}`),
		http.StatusCreated, &sil)
	if sil.Status != "active" || sil.ID == "" {
		t.Fatalf("silence %+v, want an active one", sil)
	}
	g.ingest("alertmanager", amToken, amBody("firing", g.now(), labels("alertname", "E2ESilenced", "severity", "critical")), nil)
	waitFor(t, "the alert to be silenced", func() (bool, string) {
		n := g.metric("alertgate_alerts_muted_total", "reason", "silenced")
		return n >= 1, fmt.Sprintf("muted{silenced} = %v", n)
	})
	w.settle(g)
	if n, m := len(w.pd.Events()), len(w.slack.Messages("#oncall")); n+m != 0 {
		t.Fatalf("a silenced alert was delivered: %d PagerDuty events, %d Slack messages", n, m)
	}

	g.admin(http.MethodDelete, "/api/v1/silences/"+sil.ID, nil, http.StatusOK, nil)
	g.advance(61 * time.Second) // muted members are looked at again after group_interval
	waitFor(t, "the alert delivered after the silence expired", func() (bool, string) {
		tr := countTriggers(w.pd.Events())
		return tr.byName["E2ESilenced"] == 1 && len(w.slack.Messages("#oncall")) == 1,
			fmt.Sprintf("pages %v, %d Slack messages", tr.byName, len(w.slack.Messages("#oncall")))
	})
	var list []struct{ Status string }
	g.admin(http.MethodGet, "/api/v1/silences", nil, http.StatusOK, &list)
	if len(list) != 1 || list[0].Status != "expired" {
		t.Errorf("silences %+v, want the one, expired", list)
	}
}

func TestSlackAckButton_AcknowledgesInPagerDutyAndUpdatesTheMessage(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	g := w.start("alertgate", setup{})
	g.ingest("alertmanager", amToken, amBody("firing", g.now(), labels("alertname", "E2EDiskFull", "severity", "critical")), nil)
	waitFor(t, "the page and the Slack message", func() (bool, string) {
		return len(w.pd.Events()) == 1 && len(w.slack.Messages("#oncall")) == 1, "not yet"
	})
	msg := w.slack.Messages("#oncall")[0]
	value := buttonValue(msg, "alertgate_ack")
	key := w.pd.Events()[0].DedupKey
	if value == "" {
		t.Fatalf("the message has no Acknowledge button: %+v", msg.Buttons())
	}

	click := slackButtonClick("alertgate_ack", value, w.slack.ChannelID("#oncall"), msg.TS)
	code, b := g.mustDo(http.MethodPost, "/api/v1/slack/interactions", "", click.body, click.header)
	if code != http.StatusOK {
		t.Fatalf("ack click: %d %s", code, b)
	}
	waitFor(t, "the acknowledgement in PagerDuty and Slack", func() (bool, string) {
		m := w.slack.Messages("#oncall")[0]
		return w.pd.Incident(key) == pdtest.StateAcknowledged && m.Edits > 0 && strings.Contains(slackText(m), "hanako"),
			fmt.Sprintf("PagerDuty %s, Slack edits %d: %s", w.pd.Incident(key), m.Edits, slackText(m))
	})
	w.settle(g)
	ev := w.pd.Events()
	if len(ev) != 2 || ev[1].Action != "acknowledge" || ev[1].DedupKey != key {
		t.Errorf("PagerDuty events %v, want the trigger then an acknowledge on %s", actions(ev), key)
	}
	list := g.incidents()
	if len(list) != 1 || !strings.HasPrefix(list[0].AckedBy, "hanako") {
		t.Errorf("incidents %+v, want one acknowledged by hanako", list)
	}
}

// signedRequest is a request body with its headers.
type signedRequest struct {
	header http.Header
	body   []byte
}

// slackButtonClick is the request Slack sends when hanako clicks a
// button of the message at ts, signed with the app's signing secret now.
func slackButtonClick(action, value, channelID, ts string) signedRequest {
	cb := slacktest.ButtonClick(action, value, goslack.User{ID: "U042HANAKO", Name: "hanako"}, channelID, ts)
	h, b := slacktest.SignedInteraction(slackSecret, cb, time.Now())
	return signedRequest{header: h, body: b}
}
