package storm

import (
	"encoding/json"

	"github.com/alertgate/alertgate/alert"
	"github.com/alertgate/alertgate/replay"
)

// Episodes counts the distinct firing episodes in records: an
// Alertmanager alert with a given start, a CloudWatch alarm's transition
// into ALARM, a New Relic issue. It is the raw traffic with the HA twins
// and re-sends taken out, what a perfect deduplicator would still
// forward, so the compression can be read in two parts: deduplication
// (alerts to episodes) and grouping (episodes to notifications).
func Episodes(records []replay.Record) int {
	seen := map[string]bool{}
	for _, r := range records {
		for _, k := range episodeKeys(r) {
			seen[k] = true
		}
	}
	return len(seen)
}

func episodeKeys(r replay.Record) []string {
	switch r.Source {
	case alert.SourceAlertmanager:
		var m struct {
			Alerts []struct {
				Status      string `json:"status"`
				Fingerprint string `json:"fingerprint"`
				StartsAt    string `json:"startsAt"`
			} `json:"alerts"`
		}
		if json.Unmarshal(r.Body, &m) != nil {
			return nil
		}
		var out []string
		for _, a := range m.Alerts {
			out = append(out, "am\x00"+a.Fingerprint+"\x00"+a.StartsAt)
		}
		return out
	case alert.SourceCloudWatch:
		var env struct {
			MessageID string `json:"MessageId"`
			Message   string `json:"Message"`
		}
		var msg struct {
			AlarmArn      string `json:"AlarmArn"`
			NewStateValue string `json:"NewStateValue"`
		}
		if json.Unmarshal(r.Body, &env) != nil || json.Unmarshal([]byte(env.Message), &msg) != nil || msg.NewStateValue != "ALARM" {
			return nil
		}
		return []string{"cw\x00" + env.MessageID}
	case alert.SourceNewRelic:
		var is struct {
			ID string `json:"id"`
		}
		if json.Unmarshal(r.Body, &is) != nil {
			return nil
		}
		return []string{"nr\x00" + is.ID}
	}
	return nil
}
