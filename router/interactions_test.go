package router

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	goslack "github.com/slack-go/slack"

	"github.com/alertgate/alertgate/internal/logbuf"
	"github.com/alertgate/alertgate/router/notify/pagerduty/pdtest"
	"github.com/alertgate/alertgate/router/notify/slack/slacktest"
	"github.com/alertgate/alertgate/router/pipeline"
	"github.com/alertgate/alertgate/router/store"
	"github.com/alertgate/alertgate/router/store/memory"
	"github.com/alertgate/alertgate/router/store/redis/redistest"
)

const (
	slackToken  = "xoxb-test-token"
	slackSecret = "8f742231b10e8888abcd99yyyzzz85a5"
)

func interactiveConfig(pdURL, slackURL string) string {
	return `
server: {admin_token: admin-token}
sources:
  alertmanager: {token: am-token}
  newrelic: {disabled: true}
  cloudwatch: {disabled: true}
notify:
  pagerduty: {url: "` + pdURL + `"}
  slack: {api_url: "` + slackURL + `", token: ` + slackToken + `, signing_secret: ` + slackSecret + `, per_channel_interval: 1ms}
business_hours: {location: Asia/Tokyo}
receivers:
  - name: oncall
    pagerduty: {routing_key: ` + routingKey + `}
    slack: {channel: "#oncall"}
route:
  receiver: oncall
  group_by: [alertname]
  group_wait: 0s
  group_interval: 1m
`
}

// click posts a signed button click to the interactions endpoint.
func (h *harness) click(secret, action, incident string, signedAt time.Time) int {
	h.t.Helper()
	cb := slacktest.ButtonClick(action, incident, goslack.User{ID: "U042", Name: "hanako"}, "C0001", "1700000000.000100")
	hdr, body := slacktest.SignedInteraction(secret, cb, signedAt)
	req, _ := http.NewRequest(http.MethodPost, h.srv.URL+"/api/v1/slack/interactions", bytes.NewReader(body))
	req.Header = hdr
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func (h *harness) adminGet(path string) []byte {
	h.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, h.srv.URL+path, nil)
	req.Header.Set("Authorization", "Bearer admin-token")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		h.t.Fatalf("GET %s: %d %s", path, resp.StatusCode, b)
	}
	return b
}

// TestTimeline_ScriptedIncident is the incident of the issue: it fires at
// 02:10 JST, its HA twin arrives, the on-call is paged, acknowledges from
// Slack at 02:14, and it resolves at 02:40.
func TestTimeline_ScriptedIncident(t *testing.T) {
	pd := pdtest.New(t)
	sl := slacktest.New(t, slackToken, "#oncall")
	h := newHarness(t, interactiveConfig(pd.URL(), sl.APIURL()), nil)
	labels := map[string]string{"alertname": "HighErrorRate", "service": "api", "severity": "critical"}
	t0 := jst("2026-01-13 02:10")
	h.set(t0)
	h.post(amPath, "am-token", amAlert("firing", t0, labels))
	h.deliver()
	h.advance(5 * time.Second)
	h.post(amPath, "am-token", amAlert("firing", t0, labels)) // the HA twin
	h.deliver()
	if n := len(pd.Events()); n != 1 {
		t.Fatalf("PagerDuty events after the page and its HA twin: %d, want 1", n)
	}
	msgs := sl.Messages("#oncall")
	if len(msgs) != 1 {
		t.Fatalf("Slack messages: %d, want 1", len(msgs))
	}
	incident := pd.Events()[0].DedupKey

	h.set(jst("2026-01-13 02:14"))
	if code := h.click(slackSecret, "alertgate_ack", incident, time.Now()); code != http.StatusOK {
		t.Fatalf("ack click: %d", code)
	}
	h.deliver()
	if ev := pd.Events(); len(ev) != 2 || ev[1].Action != "acknowledge" || ev[1].DedupKey != incident || pd.Incident(incident) != pdtest.StateAcknowledged {
		t.Fatalf("after the ack PagerDuty saw %+v, want an acknowledge on %s", ev, incident)
	}
	if m := sl.Messages("#oncall"); len(m) != 1 || m[0].Edits == 0 || !strings.Contains(strings.Join(m[0].Strings(), " "), "hanako") {
		t.Errorf("the Slack message was not updated with who acknowledged: %+v", m)
	}

	h.set(jst("2026-01-13 02:40"))
	resolved := amAlert("resolved", t0, labels)
	resolved = bytes.Replace(resolved, []byte(`"startsAt"`), []byte(`"endsAt":"`+jst("2026-01-13 02:40").Format(time.RFC3339)+`","startsAt"`), 1)
	h.post(amPath, "am-token", resolved)
	h.advance(time.Minute)
	h.deliver()
	if pd.Incident(incident) != pdtest.StateResolved {
		t.Fatalf("PagerDuty incident is %s, want resolved", pd.Incident(incident))
	}

	var list []map[string]any
	_ = json.Unmarshal(h.adminGet("/api/v1/incidents?since=30d"), &list)
	if len(list) != 1 {
		t.Fatalf("incidents = %v, want one", list)
	}
	id := list[0]["id"].(string)
	var detail struct {
		MTTA     float64 `json:"mttaMinutes"`
		MTTR     float64 `json:"mttrMinutes"`
		AckedBy  string  `json:"ackedBy"`
		Status   string  `json:"status"`
		Timeline []struct {
			At     time.Time `json:"at"`
			Type   string    `json:"type"`
			Target string    `json:"target"`
			Actor  string    `json:"actor"`
			Detail string    `json:"detail"`
		} `json:"timeline"`
	}
	if err := json.Unmarshal(h.adminGet("/api/v1/incidents/"+id), &detail); err != nil {
		t.Fatal(err)
	}
	if detail.MTTA != 4 || detail.MTTR != 30 || detail.Status != "resolved" || !strings.HasPrefix(detail.AckedBy, "hanako") {
		t.Errorf("incident = MTTA %v MTTR %v status %s acked by %q; want 4, 30, resolved, hanako", detail.MTTA, detail.MTTR, detail.Status, detail.AckedBy)
	}
	var got []string
	for _, e := range detail.Timeline {
		got = append(got, e.At.In(jst("2026-01-13 00:00").Location()).Format("15:04")+" "+e.Type+" "+e.Target+" "+e.Detail)
	}
	want := []string{
		"02:10 occurred  s",
		"02:10 detected  alertmanager",
		"02:10 notified pagerduty:oncall trigger",
		"02:10 notified slack:oncall trigger",
		"02:14 acknowledged  Slack",
		"02:14 notified pagerduty:oncall acknowledge",
		"02:14 notified slack:oncall acknowledge",
		"02:40 resolved  ",
		"02:40 resolved  all alerts of the incident resolved",
		"02:41 notified pagerduty:oncall resolve",
		"02:41 notified slack:oncall resolve",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("timeline:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	pm := string(h.adminGet("/api/v1/incidents/" + id + "/postmortem"))
	for _, s := range []string{"| Occurrence | 2026-01-13 02:10 JST", "| Response | 2026-01-13 02:14 JST | acknowledged by hanako", "| Recovery | 2026-01-13 02:40 JST", "MTTA (notification → acknowledgement): 4 min"} {
		if !strings.Contains(pm, s) {
			t.Errorf("postmortem lacks %q:\n%s", s, pm)
		}
	}
}

func TestSlackInteraction_BadOrStaleSignatureChangesNothing(t *testing.T) {
	pd := pdtest.New(t)
	sl := slacktest.New(t, slackToken, "#oncall")
	h := newHarness(t, interactiveConfig(pd.URL(), sl.APIURL()), nil)
	t0 := jst("2026-01-13 02:10")
	h.set(t0)
	h.post(amPath, "am-token", amAlert("firing", t0, map[string]string{"alertname": "A", "severity": "critical"}))
	h.deliver()
	incident := pd.Events()[0].DedupKey
	for name, code := range map[string]int{
		"wrong secret":  h.click("not-the-secret", "alertgate_ack", incident, time.Now()),
		"stale request": h.click(slackSecret, "alertgate_ack", incident, time.Now().Add(-10*time.Minute)),
	} {
		if code != http.StatusUnauthorized {
			t.Errorf("%s: %d, want 401", name, code)
		}
	}
	h.deliver()
	if n := len(pd.Events()); n != 1 {
		t.Errorf("PagerDuty saw %d events, want only the trigger", n)
	}
}

func TestSlackInteraction_SilenceAndResolve(t *testing.T) {
	pd := pdtest.New(t)
	sl := slacktest.New(t, slackToken, "#oncall")
	h := newHarness(t, interactiveConfig(pd.URL(), sl.APIURL()), nil)
	t0 := jst("2026-01-13 02:10")
	h.set(t0)
	h.post(amPath, "am-token", amAlert("firing", t0, map[string]string{"alertname": "DiskFull", "severity": "critical"}))
	h.deliver()
	incident := pd.Events()[0].DedupKey
	if code := h.click(slackSecret, "alertgate_silence_1h", incident, time.Now()); code != http.StatusOK {
		t.Fatalf("silence click: %d", code)
	}
	var sils []map[string]any
	_ = json.Unmarshal(h.adminGet("/api/v1/silences"), &sils)
	if len(sils) != 1 || sils[0]["createdBy"] != "hanako (U042)" || sils[0]["status"] != "active" || fmtAny(sils[0]["matchers"]) != `["alertname=\"DiskFull\""]` {
		t.Errorf("silences = %v, want one for the incident's group by hanako", sils)
	}
	if code := h.click(slackSecret, "alertgate_resolve", incident, time.Now()); code != http.StatusOK {
		t.Fatalf("resolve click: %d", code)
	}
	h.deliver()
	if pd.Incident(incident) != pdtest.StateResolved {
		t.Errorf("PagerDuty incident is %s after Resolve, want resolved", pd.Incident(incident))
	}
}

func TestSlackInteraction_PostAnnouncementInTheThread(t *testing.T) {
	pd := pdtest.New(t)
	sl := slacktest.New(t, slackToken, "#oncall")
	h := newHarness(t, interactiveConfig(pd.URL(), sl.APIURL()), nil)
	t0 := jst("2026-01-13 02:10")
	h.set(t0)
	h.post(amPath, "am-token", amAlert("firing", t0, map[string]string{"alertname": "HighErrorRate", "service": "api", "severity": "critical"}))
	h.deliver()
	if code := h.click(slackSecret, "alertgate_announce", pd.Events()[0].DedupKey, time.Now()); code != http.StatusOK {
		t.Fatalf("announce click: %d", code)
	}
	h.deliver()
	msgs := sl.Messages("#oncall")
	if len(msgs) != 1 || len(msgs[0].Replies) != 1 {
		t.Fatalf("messages = %+v, want the announcement as the thread's reply", msgs)
	}
	reply := strings.Join(msgs[0].Replies[0].Strings(), " ")
	for _, want := range []string{"Impact announcement", "Started:", "2026-01-13 02:10 JST", "Affected features: api", "Next update:"} {
		if !strings.Contains(reply, want) {
			t.Errorf("announcement lacks %q:\n%s", want, reply)
		}
	}
	if n := len(pd.Events()); n != 1 {
		t.Errorf("PagerDuty got %d events, want only the trigger (announcements are for chat)", n)
	}
}

// signedClick is a signed button click, to send once or replay.
func signedClick(action, incident string, signedAt time.Time) (http.Header, []byte) {
	cb := slacktest.ButtonClick(action, incident, goslack.User{ID: "U042", Name: "hanako"}, "C0001", "1700000000.000100")
	return slacktest.SignedInteraction(slackSecret, cb, signedAt)
}

// send posts a signed interaction as it is.
func (h *harness) send(hdr http.Header, body []byte) int {
	h.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, h.srv.URL+"/api/v1/slack/interactions", bytes.NewReader(body))
	req.Header = hdr.Clone()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// A button click applies once within the five minutes Slack signs it
// for: the same signed request again (replayed, or Slack's retry) and a
// second click, on either replica, record and send nothing more, and
// "Silence 1h" makes one silence.
func TestSlackInteraction_RepeatedClicksApplyOnceAcrossReplicas(t *testing.T) {
	for name, st := range map[string]func(t *testing.T) store.Store{
		"memory": func(*testing.T) store.Store { return memory.New(store.Options{}) },
		"redis":  func(t *testing.T) store.Store { return redisStore(t, redistest.Start(t), "once:") },
	} {
		t.Run(name, func(t *testing.T) {
			pd := pdtest.New(t)
			sl := slacktest.New(t, slackToken, "#oncall")
			shared, logs := st(t), &logbuf.Buffer{}
			a := newReplica(t, interactiveConfig(pd.URL(), sl.APIURL()), nil, shared, logs)
			b := newReplica(t, interactiveConfig(pd.URL(), sl.APIURL()), nil, shared, logs)
			t0 := jst("2026-01-13 02:10")
			a.set(t0)
			b.set(t0)
			a.post(amPath, "am-token", amAlert("firing", t0, map[string]string{"alertname": "DiskFull", "severity": "critical"}))
			a.deliver()
			incident := pd.Events()[0].DedupKey

			ack, ackBody := signedClick("alertgate_ack", incident, time.Now())
			again, againBody := signedClick("alertgate_ack", incident, time.Now().Add(time.Second)) // a double click
			for _, send := range []func() int{
				func() int { return a.send(ack, ackBody) },
				func() int { return b.send(ack, ackBody) }, // the same request replayed at the other replica
				func() int { return b.send(again, againBody) },
			} {
				if code := send(); code != http.StatusOK {
					t.Fatalf("ack click: %d", code)
				}
			}
			a.deliver()
			b.deliver()
			var acks []pdtest.Event
			for _, e := range pd.Events() {
				if e.Action == "acknowledge" {
					acks = append(acks, e)
				}
			}
			if len(acks) != 1 {
				t.Errorf("PagerDuty got %d acknowledgements, want 1", len(acks))
			}

			sil, silBody := signedClick("alertgate_silence_1h", incident, time.Now())
			a.send(sil, silBody)
			b.send(sil, silBody)
			sil2, sil2Body := signedClick("alertgate_silence_1h", incident, time.Now().Add(time.Second))
			a.send(sil2, sil2Body)
			var sils []map[string]any
			_ = json.Unmarshal(a.adminGet("/api/v1/silences"), &sils)
			if len(sils) != 1 {
				t.Errorf("%d silences after the same Silence click three times, want 1", len(sils))
			}

			var list []map[string]any
			_ = json.Unmarshal(a.adminGet("/api/v1/incidents?since=30d"), &list)
			var detail struct {
				Timeline []struct{ Type string } `json:"timeline"`
			}
			_ = json.Unmarshal(a.adminGet("/api/v1/incidents/"+list[0]["id"].(string)), &detail)
			count := map[string]int{}
			for _, e := range detail.Timeline {
				count[e.Type]++
			}
			if count["acknowledged"] != 1 || count["silenced"] != 1 {
				t.Errorf("timeline has %d acknowledgements and %d silences, want 1 each", count["acknowledged"], count["silenced"])
			}

			// After the window the button works again (a new click, a new
			// signature).
			a.advance(pipeline.ActionWindow)
			b.advance(pipeline.ActionWindow)
			later, laterBody := signedClick("alertgate_silence_1h", incident, time.Now())
			if name == "memory" { // Redis expires marks by its own clock
				a.send(later, laterBody)
				_ = json.Unmarshal(a.adminGet("/api/v1/silences"), &sils)
				if len(sils) != 2 {
					t.Errorf("%d silences after a click past the window, want 2", len(sils))
				}
			}
		})
	}
}

// An incident whose alerts all fire and resolve before its first flush
// notifies nobody, but is over: resolved, with a title.
func TestTimeline_IncidentResolvedBeforeItsFirstFlushIsClosed(t *testing.T) {
	pd := pdtest.New(t)
	sl := slacktest.New(t, slackToken, "#oncall")
	h := newHarness(t, interactiveConfig(pd.URL(), sl.APIURL()), nil)
	t0 := jst("2026-01-13 02:10")
	h.set(t0)
	labels := map[string]string{"alertname": "Blip", "severity": "critical"}
	h.post(amPath, "am-token", amAlert("firing", t0, labels))
	h.post(amPath, "am-token", amAlert("resolved", t0, labels))
	h.deliver()
	if n := len(pd.Events()); n != 0 {
		t.Fatalf("PagerDuty got %d events for an alert that resolved before anyone was told, want none", n)
	}
	var list []map[string]any
	_ = json.Unmarshal(h.adminGet("/api/v1/incidents?since=30d"), &list)
	if len(list) != 1 {
		t.Fatalf("incidents = %v, want one", list)
	}
	if list[0]["status"] != "resolved" || list[0]["title"] == nil || list[0]["title"] == "" {
		t.Errorf("incident = %v, want it resolved with a title", list[0])
	}
	var open []map[string]any
	_ = json.Unmarshal(h.adminGet("/api/v1/incidents?since=30d&status=open"), &open)
	if len(open) != 0 {
		t.Errorf("open incidents = %v, want none", open)
	}
}
