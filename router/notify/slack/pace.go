package slack

import (
	"time"

	"github.com/alertgate/alertgate/router/notify"
)

// newPacer spaces the messages to each channel by interval: Slack allows
// about one message per second per channel and rate-limits bursts. A
// negative interval turns pacing off.
func newPacer(interval time.Duration, now func() time.Time) *notify.Pacer {
	if interval < 0 {
		return notify.NewPacer(0, 1, now)
	}
	return notify.NewPacer(float64(time.Second)/float64(interval), 1, now)
}
