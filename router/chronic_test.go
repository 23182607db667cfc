package router

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/alertgate/alertgate/router/notify"
	"github.com/alertgate/alertgate/router/notify/slack/slacktest"
)

// chronicConfig posts to a fake Slack and makes an incident chronic
// after six hours of firing; ops/eu has a slash in its name, as scripts
// must escape it in the path.
func chronicConfig(slackURL string) string {
	return `
server: {admin_token: admin-token}
sources:
  alertmanager: {token: am-token}
  newrelic: {disabled: true}
  cloudwatch: {disabled: true}
notify:
  slack: {api_url: "` + slackURL + `", token: ` + slackToken + `, per_channel_interval: 1ms}
business_hours: {location: Asia/Tokyo, holidays: jp}
receivers:
  - name: team
    slack: {channel: "#team"}
  - name: ops/eu
    slack: {channel: "#ops-eu"}
route:
  receiver: team
  group_by: [alertname]
  group_wait: 0s
  noise:
    chronic: {after: 6h}
  routes:
    - matchers: ['region="eu"']
      receiver: ops/eu
`
}

func TestChronicAPI_ListsChronicIncidentsAndSendsADigestOnDemand(t *testing.T) {
	sl := slacktest.New(t, slackToken, "#team", "#ops-eu")
	h := newHarness(t, chronicConfig(sl.APIURL()), nil)
	disk := amAlert("firing", h.now(), map[string]string{"alertname": "DiskFilling", "severity": "warning", "owner": "storage-team"})
	if code, resp := h.post(amPath, "am-token", disk); code != http.StatusOK {
		t.Fatalf("alert: %d %v", code, resp)
	}
	h.deliver()
	var lists []notify.ChronicList
	if err := json.Unmarshal(h.adminGet("/api/v1/chronic"), &lists); err != nil || lists == nil || len(lists) != 0 {
		t.Fatalf("GET /api/v1/chronic before anything is chronic: %v %v, want []", lists, err)
	}

	h.advance(7 * time.Hour)
	h.post(amPath, "am-token", disk) // Alertmanager says it again
	h.deliver()
	if err := json.Unmarshal(h.adminGet("/api/v1/chronic"), &lists); err != nil {
		t.Fatal(err)
	}
	if len(lists) != 1 || lists[0].Receiver != "team" || len(lists[0].Incidents) != 1 {
		t.Fatalf("GET /api/v1/chronic = %+v, want the disk under team", lists)
	}
	c := lists[0].Incidents[0]
	if c.IncidentID == "" || c.Alert != "DiskFilling" || c.Severity != "warning" || c.Firing != 1 || c.Members != 1 ||
		c.Owner != "storage-team" || h.now().Sub(c.Since) != 7*time.Hour || c.Why == "" {
		t.Errorf("chronic incident %+v", c)
	}
	before := len(sl.Messages("#team"))

	tests := []struct {
		name, path, body string
		code             int
		want             map[string]any
	}{
		{"unknown receiver", "/api/v1/chronic/nobody/digest", "", http.StatusNotFound, map[string]any{"field": "receiver"}},
		{"nothing chronic there", "/api/v1/chronic/ops%2Feu/digest", "", http.StatusOK,
			map[string]any{"receiver": "ops/eu", "incidents": 0.0, "status": "nothing chronic; nothing sent"}},
		{"unreadable body", "/api/v1/chronic/team/digest", `{"by": 5}`, http.StatusBadRequest, map[string]any{"field": "by"}},
		{"sent", "/api/v1/chronic/team/digest", `{"by": "weekly-script"}`, http.StatusAccepted,
			map[string]any{"receiver": "team", "incidents": 1.0, "status": "queued"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, resp := h.post(tt.path, "admin-token", []byte(tt.body))
			if code != tt.code {
				t.Errorf("POST %s: %d %v, want %d", tt.path, code, resp, tt.code)
			}
			for k, v := range tt.want {
				if resp[k] != v {
					t.Errorf("POST %s: %s = %v, want %v (%v)", tt.path, k, resp[k], v, resp)
				}
			}
			if tt.code >= 400 && resp["error"] == "" {
				t.Errorf("POST %s: no error message: %v", tt.path, resp)
			}
		})
	}
	h.deliver()
	msgs := sl.Messages("#team")
	if len(msgs) != before+1 {
		t.Fatalf("#team has %d messages, want the one digest more than %d", len(msgs), before)
	}
	if digest := strings.Join(msgs[len(msgs)-1].Strings(), "\n"); !strings.Contains(digest, "DiskFilling") || !strings.Contains(digest, "storage-team") {
		t.Errorf("the digest reads %q", digest)
	}
	if n := len(sl.Messages("#ops-eu")); n != 0 {
		t.Errorf("#ops-eu, with nothing chronic, got %d messages", n)
	}
	var audit []string
	for _, l := range h.logLines("audit") {
		if l["action"] == "chronic-digest" {
			audit = append(audit, l["user"].(string)+" "+l["via"].(string)+" "+l["target"].(string)+" "+l["result"].(string))
		}
	}
	want := []string{`admin token api nobody chronic digest: no such receiver: "nobody"`, "admin token api ops/eu ok", "weekly-script api team ok"}
	if !slices.Equal(audit, want) {
		t.Errorf("audit %q, want %q", audit, want)
	}
}
