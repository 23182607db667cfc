package cloudwatch

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/alertgate/alertgate/router/source"
)

// headerRawDelivery is set by SNS on deliveries of a subscription with
// raw message delivery on: the body is then the message alone, without
// the signed envelope.
const headerRawDelivery = "X-Amz-Sns-Rawdelivery"

// rawDelivery recognizes a body SNS sent with raw message delivery on
// (the header says so, or the body is a bare CloudWatch alarm or
// EventBridge event instead of an envelope) and returns the error that
// says how to fix the subscription; nil for anything else. Without the
// envelope there is no signature to verify, so such a body can never be
// accepted.
func rawDelivery(h http.Header, body []byte) error {
	raw := strings.EqualFold(strings.TrimSpace(h.Get(headerRawDelivery)), "true")
	if !raw {
		var probe struct {
			Type          *string         `json:"Type"`
			AlarmName     json.RawMessage `json:"AlarmName"`
			NewStateValue json.RawMessage `json:"NewStateValue"`
			DetailType    json.RawMessage `json:"detail-type"`
		}
		if json.Unmarshal(body, &probe) != nil || probe.Type != nil {
			return nil
		}
		raw = probe.AlarmName != nil || probe.NewStateValue != nil || probe.DetailType != nil
	}
	if !raw {
		return nil
	}
	return source.BadRequest("Type", "the body is a bare message, not an SNS envelope: raw message delivery must be off for this subscription (aws sns set-subscription-attributes --attribute-name RawMessageDelivery --attribute-value false); EventBridge events go to /api/v1/alerts/eventbridge")
}
