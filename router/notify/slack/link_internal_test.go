package slack

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/router/notify"
)

func TestMessageBlocks_ShowTheIncidentIDLinkedToTheConsole(t *testing.T) {
	nt := &notify.Notification{
		Incident: "grp", IncidentID: "grp-t5x2ab", Kind: notify.KindTrigger, Status: alert.StatusFiring,
		URL:     "https://alertgate.example/incidents/grp-t5x2ab",
		Members: []notify.Member{{Alert: alert.Alert{Name: "HighErrorRate", Status: alert.StatusFiring}}},
	}
	b, _ := json.Marshal(messageBlocks(nt, true, ""))
	b = []byte(strings.NewReplacer(`\u003c`, "<", `\u003e`, ">").Replace(string(b)))
	if !strings.Contains(string(b), "<https://alertgate.example/incidents/grp-t5x2ab|grp-t5x2ab>") {
		t.Errorf("blocks do not link the incident's console page:\n%s", b)
	}
	nt.URL = ""
	b, _ = json.Marshal(messageBlocks(nt, true, ""))
	if !strings.Contains(string(b), "Incident `grp-t5x2ab`") {
		t.Errorf("blocks do not show the incident ID without a console:\n%s", b)
	}
}
