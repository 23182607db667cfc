package pagerduty

import (
	"testing"

	"github.com/alertgate/alertgate/router/notify"
)

func TestNotify_EventCarriesTheIncidentIDAndLinksToItsConsolePage(t *testing.T) {
	f := newFixture(t, nil)
	nt := notification(notify.KindTrigger, firing("HighLatency", nil))
	nt.IncidentID = "inc-1-t5x2ab"
	nt.URL = "https://alertgate.example/incidents/inc-1-t5x2ab"
	if err := f.n.Notify(t.Context(), nt); err != nil {
		t.Fatal(err)
	}
	ev := f.only(t)
	d := customDetails(t, ev)
	if d.Incident != nt.IncidentID || d.Group != "inc-1" || d.URL != nt.URL {
		t.Errorf("details incident/group/console_url = %q/%q/%q, want the incident ID, the group and the page", d.Incident, d.Group, d.URL)
	}
	if ev.DedupKey != "inc-1" {
		t.Errorf("dedup_key %q, want the group key: every event of the incident reaches one PagerDuty alert", ev.DedupKey)
	}
	if len(ev.Links) == 0 || ev.Links[0].Href != nt.URL || ev.ClientURL != nt.URL {
		t.Errorf("links %+v, client_url %q: want the console page first", ev.Links, ev.ClientURL)
	}
}

func TestNotify_WithoutAnIncidentRecordTheGroupKeyIsTheID(t *testing.T) {
	f := newFixture(t, nil)
	nt := notification(notify.KindTrigger, firing("HighLatency", nil))
	if err := f.n.Notify(t.Context(), nt); err != nil {
		t.Fatal(err)
	}
	if d := customDetails(t, f.only(t)); d.Incident != "inc-1" || d.URL != "" {
		t.Errorf("details incident %q url %q, want the group key and no page", d.Incident, d.URL)
	}
}
