package eventbridge

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/alertgate/alertgate/router/source"
	"github.com/alertgate/alertgate/router/source/cloudwatch"
)

// Parser turns EventBridge events into alerts. It is safe for concurrent
// use.
type Parser struct {
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Receive parses one event. API destinations deliver one event per
// request.
func (p Parser) Receive(_ context.Context, _ http.Header, body []byte) (source.Batch, error) {
	now := time.Now
	if p.Now != nil {
		now = p.Now
	}
	var ev event
	if err := source.DecodeJSON(body, &ev); err != nil {
		return source.Batch{}, err
	}
	if ev.Type != nil && ev.TopicArn != nil {
		return source.Batch{}, source.BadRequest("Type", "this is an SNS message: subscribe the topic to /api/v1/alerts/cloudwatch instead")
	}
	switch {
	case ev.DetailType == "":
		return source.Batch{}, source.BadRequest("detail-type", "missing: not an EventBridge event (send the whole event, without an input transformer)")
	case ev.DetailType != detailTypeAlarm || (ev.Source != "" && ev.Source != "aws.cloudwatch"):
		return source.Batch{Note: fmt.Sprintf("%s event from %s: not an alarm state change, nothing to alert on", ev.DetailType, orUnknown(string(ev.Source)))}, nil
	}
	var d alarmDetail
	if len(ev.Detail) == 0 {
		return source.Batch{}, source.BadRequest("detail", "missing")
	}
	if err := source.DecodeJSON(ev.Detail, &d); err != nil {
		return source.Batch{}, inDetail(err)
	}
	if d.AlarmName == "" {
		return source.Batch{}, source.BadRequest("detail.alarmName", "missing")
	}
	if d.State.Value == "" {
		return source.Batch{}, source.BadRequest("detail.state.value", "missing")
	}
	msg, err := json.Marshal(toSNS(&ev, &d))
	if err != nil {
		return source.Batch{}, fmt.Errorf("eventbridge: re-encoding alarm %q: %w", d.AlarmName, err)
	}
	b, err := cloudwatch.AlarmChange(msg, string(ev.ID.Value), ev.Time.Value.Time, now())
	if err != nil {
		return source.Batch{}, inDetail(err)
	}
	for i := range b.Alerts {
		a := &b.Alerts[i]
		delete(a.Annotations, "sns_message_id")
		if ev.ID.Value != "" {
			a.Annotations["eventbridge_event_id"] = string(ev.ID.Value)
		}
		a.SetRaw(body)
	}
	// The SNS message was made here and has nothing to ignore; what the
	// event had is reported under its own paths.
	b.Ignored = append(source.IgnoredFields("", &ev), source.IgnoredFields("detail", &d)...)
	return b, nil
}

// inDetail names a field of the event's detail, where package cloudwatch
// names the SNS message's.
func inDetail(err error) error {
	se, ok := err.(*source.Error)
	if !ok {
		return err
	}
	field := se.Field
	switch field {
	case "", "(root)", "Message":
		field = "detail"
	case "Message.NewStateValue":
		field = "detail.state.value"
	case "Message.AlarmName":
		field = "detail.alarmName"
	default:
		field = "detail." + field
	}
	return &source.Error{Status: se.Status, Field: field, Reason: se.Reason}
}

func orUnknown(s string) string {
	if s == "" {
		return "an unknown source"
	}
	return s
}
